# A complete rule with two values for n > 1: an evaluation error in OPA, never a value.
package c

import rego.v1

conflicting := input.n if input.n > 0

conflicting := 0 if input.n > 1
