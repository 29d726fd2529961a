# What the policy knows about the caller's credential: its kind and whether someone verified it.
# The credential itself never reaches the policy.
package portcullis.sonarqube

# An Authorization header counts as a credential even if the input claims none, so that a
# request carrying one is never treated (and forwarded) as anonymous. `else` so that the header
# list is scanned only when the input claims no credential.
credential_present if {
	input.credential.present == true
} else if {
	"authorization" in input.request.header_names
}

# A function, not a rule: it is read once per request, and the compiled policy memoizes every
# rule without arguments at a cost larger than this lookup.
_credential_kind(inp) := object.get(object.get(inp, "credential", {}), "kind", "none")
