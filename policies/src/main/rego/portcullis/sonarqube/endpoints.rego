# The scanner allow-list and the denied endpoint families (SURFACE.md §1 and §3).
#
# The tables are the data document tables/data.json, loaded once with the policy: `endpoints`
# (path -> entry), `api_families` and `api_v2_families` (denied family -> reason) and
# `denied_family_names` (those families as in_denied_family writes them, config.rego). Written
# as Rego rules, the compiled (wasm) policy would build each entry again on every request.
#
# Each endpoint: method, params (name -> the kind of value it takes, checked by
# parameters.rego; "project" marks a project key), anonymous (reachable without a credential
# unless strict_mode), branch_analysis (only while allow_branch_analysis), body (the media
# types of the request body it takes; none by default, so every GET refuses a body) and
# body_parts (the file parts a multipart body may carry; none by default).
#
# What the table holds and why:
# - Bootstrap, JRE and engine provisioning (scanner library >= 3 against a server >= 10.6):
#   /api/v2/analysis/{version,jres,jres/{id},engine,active_rules}; the SCA CLI (Advanced
#   Security): /api/v2/sca/clis and /api/v2/sca/clis/{id}.
# - Anonymous on the server whatever forceAuth says, since the legacy bootstrapper sends no
#   credential: /api/server/version, /batch/index, /batch/file; and /static/{plugin}/{file}, from
#   which the .NET scanner downloads its analyzers anonymously.
# - Engine: settings, plugins, rules, project data. No "keys" on settings/values: scanners never
#   send it, and it would make a targeted read of single (secured) settings easy.
# - Report upload (/api/ce/submit), quality-gate wait and the Azure DevOps Publish task. The
#   report is the only body a scanner sends, one file part named report; the proxy refuses any
#   other part (a form field would be read as a parameter). Its project key must be in the query:
#   the server reads parameters from the multipart body too, and returns the query's value first.
# - Denied families: the allowed endpoints inside a family (settings/values, ce/submit, ...) are
#   matched before them; quality profiles, gates and rules are denied because changing them can
#   defeat the quality gate.
package portcullis.sonarqube

# An entry of the configuration's extra_endpoints (config.rego) as an entry of this table. Its
# method is the request's when the entry lists it, and one no request has otherwise; it takes no
# body, so every parameter the server reads is one the policy sees. Its credential kinds narrow
# allowed_credential_kinds, which is checked first.
extra_endpoint(entry) := {
	"method": _extra_endpoint_method(entry.methods),
	"params": object.get(entry, "params", {}),
	"anonymous": object.get(entry, "anonymous", false),
	"credential_kinds": object.get(entry, "credential_kinds", _allowed_credential_kinds(_config)),
}

_extra_endpoint_method(methods) := input.request.method if {
	input.request.method in methods
} else := ""
