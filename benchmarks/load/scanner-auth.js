// njs module for nginx-scanner-proxy.conf.template (Debian: apt-get install libnginx-mod-http-js).
//
// Why this exists: `auth_request` only looks at the status code of its subrequest (2xx lets the
// request through, 401/403 refuse it, anything else is a 500). SonarQube's
// GET /api/authentication/validate answers 200 with the body {"valid":false} for a credential it
// does not accept (and for no credential at all), so pointing auth_request straight at it would
// let every token through. nginx's stock modules cannot read a response body, so this handler
// reads it: it asks SonarQube and answers
//   204 when SonarQube said 200 {"valid":true}          -> nginx forwards the request
//   401 when SonarQube said 200 {"valid":false} or 401   -> nginx answers 401
//   500 for anything else (SonarQube down, 5xx, a redirect, a malformed body): fail closed.
// There is no cache: every request costs one validate call, as with a plain auth_request.

async function check(r) {
    if (!r.headersIn['Authorization']) {
        r.return(401);
        return;
    }
    let reply;
    try {
        reply = await r.subrequest('/_sonarqube_validate');
    } catch (e) {
        r.error('validate subrequest failed: ' + e);
        r.return(500);
        return;
    }
    if (reply.status === 401) {
        r.return(401);
        return;
    }
    if (reply.status !== 200) {
        r.error('SonarQube validate answered ' + reply.status);
        r.return(500);
        return;
    }
    let valid;
    try {
        valid = JSON.parse(reply.responseText).valid;
    } catch (e) {
        r.error('SonarQube validate answered a body that is not JSON');
        r.return(500);
        return;
    }
    if (valid === true) {
        r.return(204);
    } else if (valid === false) {
        r.return(401);
    } else {
        r.error('SonarQube validate answered JSON without a boolean "valid"');
        r.return(500);
    }
}

export default { check };
