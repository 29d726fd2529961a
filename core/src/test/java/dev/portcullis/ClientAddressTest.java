package dev.portcullis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientAddressTest {

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
    assertThat(ClientAddress.normalize(address)).isEqualTo(normalized);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "example.com", "cafe", "1.2.3", "1.2.3.4.5", "999.1.1.1", "1.2.3.4 ", "::g"})
  void refusesAnythingButAnIpLiteralWithoutResolvingIt(String address) {
    assertThatThrownBy(() -> ClientAddress.normalize(address))
        .isInstanceOfSatisfying(RequestRejectedException.class, e -> assertThat(e.reason()).isEqualTo("client_address_invalid"));
  }
}
