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

# Read by its constant path, not by a function given the whole input, so that a test can prove
# which input fields the policy reads (SonarQubePolicy.INPUT_FIELDS); "none" when the input
# describes no credential (only a hand-built one can).
_credential_kind := kind if {
	kind := input.credential.kind
} else := "none"
