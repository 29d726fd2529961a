package dev.portcullis.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.RequestRejectedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one IP address type: the strict literal parser, the canonical text, and the peer address a
 * stack reports.
 */
class IpAddressTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "192.0.2.1, 192.0.2.1",
    "2001:DB8:0:0:0:0:0:7, 2001:db8::7",
    "::ffff:192.0.2.1, 192.0.2.1",
    "::ffff:c000:201, 192.0.2.1",
    "::1.2.3.4, ::102:304",
    "1:0:0:2:0:0:0:3, 1:0:0:2::3",
  })
  void literalsParseToTheirCanonicalText(String literal, String canonical) {
    assertThat(IpAddress.parse(literal).text()).isEqualTo(canonical);
    assertThat(IpAddress.parse(canonical))
        .isEqualTo(IpAddress.parse(literal))
        .hasToString(canonical);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "010.0.0.1",
        "1.2.3.04",
        "0x7f.0.0.1",
        "2130706433",
        "[2001:db8::7]",
        "fe80::1%eth0",
        "192.0.2.1:80",
        "::ffff:010.0.0.1",
        "localhost",
        "١٢٣.0.0.1",
        "1:2:3:4:5:6:7:8:9"
      })
  void theLiteralParserIsStrict(String text) {
    assertThatThrownBy(() -> IpAddress.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'");
  }

  @Test
  void bytesAreCopiedAndMappedAddressesAreIpv4() {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 1};
    IpAddress address = IpAddress.of(mapped);

    assertThat(address.isIpv4()).isTrue();
    assertThat(address).isEqualTo(IpAddress.parse("192.0.2.1"));
    address.bytes()[0] = 1;
    assertThat(address.text()).isEqualTo("192.0.2.1");
    assertThatThrownBy(() -> IpAddress.of(new byte[5]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "203.0.113.7, 203.0.113.7",
    "2001:db8::7, 2001:db8::7",
    "2001:DB8:0:0:0:0:0:7, 2001:db8::7",
    "[2001:db8::7], 2001:db8::7",
    "::ffff:203.0.113.7, 203.0.113.7",
    "fe80::1%eth0, fe80::1",
    "::1, ::1",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "0:0:0:0:0:0:0:1, ::1",
  })
  void normalizesIpLiterals(String address, String normalized) {
    assertThat(ClientAddressResolver.peer(address).text()).isEqualTo(normalized);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "localhost",
        "example.com",
        "cafe",
        "1.2.3",
        "1.2.3.4.5",
        "999.1.1.1",
        "1.2.3.4 ",
        "::g"
      })
  void refusesAnythingButAnIpLiteralWithoutResolvingIt(String address) {
    assertThatThrownBy(() -> ClientAddressResolver.peer(address))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo("client_address_invalid"));
  }
}
