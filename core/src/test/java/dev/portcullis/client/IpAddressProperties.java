package dev.portcullis.client;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class IpAddressProperties {

  /**
   * The dotted-quad parser agrees with its definition, written the plain way (split on dots, four
   * parts of one to three digits, no leading zero, at most 255), on texts made mostly of digits and
   * dots.
   */
  @Property(tries = 3000)
  void dottedQuadsParseAsDefined(@ForAll("dottedTexts") String text) {
    IpAddress parsed = IpAddress.parseOrNull(text);
    byte[] expected = definition(text);
    if (expected == null) {
      assertThat(parsed).as(text).isNull();
    } else {
      assertThat(parsed).as(text).isNotNull();
      assertThat(parsed.bytes()).as(text).containsExactly(expected);
    }
  }

  @Provide
  Arbitrary<String> dottedTexts() {
    Arbitrary<String> part =
        Arbitraries.oneOf(
            Arbitraries.integers().between(0, 300).map(String::valueOf),
            Arbitraries.strings().withChars("0123456789").ofMaxLength(4),
            Arbitraries.strings().withChars("0123456789x+- ").ofMaxLength(3));
    return Arbitraries.oneOf(
        part.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join(".", parts)),
        Arbitraries.strings().withChars("0123456789.").ofMaxLength(17));
  }

  private static byte[] definition(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      if (!part.matches("[0-9]{1,3}") || (part.length() > 1 && part.startsWith("0"))) {
        return null;
      }
      int value = Integer.parseInt(part);
      if (value > 255) {
        return null;
      }
      bytes[i] = (byte) value;
    }
    return bytes;
  }
}
