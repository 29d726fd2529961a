# Never compiled by the harness (*_test.rego files are left out): if it were, this second
# definition of decision would break the build.
package team

decision := "not a decision"

test_decision_is_defined if decision
