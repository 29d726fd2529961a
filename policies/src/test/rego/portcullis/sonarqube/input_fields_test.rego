# The policy reads the input by constant paths only (SonarQubePolicy.INPUT_FIELDS, proven by the
# Java test BundledPolicyInputFieldsTest); these cases cover what such a read falls back to.
package portcullis.sonarqube_test

import data.portcullis.sonarqube

# An input that describes no credential (only a hand-built one can) has a credential of kind
# "none", which no default allows.
test_credential_kind_without_a_credential_is_none if {
	sonarqube._credential_kind == "none" with input as object.remove(scanner("GET", "/api/server/version"), ["credential"])
	sonarqube._credential_kind == "sqp" with input as scanner("GET", "/api/server/version")
}
