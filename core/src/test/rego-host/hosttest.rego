# A policy that calls a built-in the wasm target leaves to the host (sprintf): the engine must run
# it on opa-java-wasm, which implements that built-in in Java.
package hosttest

decision := {"allow": true, "status": 200, "reasons": ["formatted"], "message": sprintf("Path %s.", [input.request.path])}
