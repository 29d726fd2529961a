# The golden input contract shared with the Java serializer: every case must get its expected
# allow and status. The file is loaded as data.portcullis_golden by build-policies.sh.
package portcullis.sonarqube_test

import data.portcullis.sonarqube

test_golden_cases_match_expectations if {
	count(data.portcullis_golden) > 0
	mismatches := {name: [d.allow, d.status] |
		some name, case in data.portcullis_golden
		d := sonarqube.decision with input as case.input
		[d.allow, d.status] != [case.expect.allow, case.expect.status]
	}
	mismatches == {}
}

# The golden inputs also exercise the full decision shape.
test_golden_decisions_are_well_formed if {
	every _, case in data.portcullis_golden {
		d := sonarqube.decision with input as case.input
		is_boolean(d.allow)
		is_number(d.status)
		count(d.reasons) == 1
		is_string(d.message)
		d.message != ""
	}
}
