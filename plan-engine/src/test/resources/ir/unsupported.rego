# Calls where OPA holds a value this engine cannot represent exactly; the engine must refuse
# them with engine_error (a deny), never answer differently. IrAgreesWithOpaEvalTest checks that.
package u

import rego.v1

plus_number := to_number(input.s)

invalid_utf8 := base64url.decode(input.s)

empty_pattern := strings.replace_n({"": "x"}, input.s)
