package dev.portcullis.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

  @Test
  void ipv4RangesContainTheirAddressesOnly() {
    Cidr range = Cidr.parse("13.107.6.0/24");

    assertThat(range.contains("13.107.6.0")).isTrue();
    assertThat(range.contains("13.107.6.255")).isTrue();
    assertThat(range.contains("13.107.7.0")).isFalse();
    assertThat(range.contains("13.107.5.255")).isFalse();
    assertThat(Cidr.parse("10.0.0.0/9").contains("10.127.255.255")).isTrue();
    assertThat(Cidr.parse("10.0.0.0/9").contains("10.128.0.0")).isFalse();
  }

  @Test
  void edgePrefixes() {
    assertThat(Cidr.parse("0.0.0.0/0").contains("255.255.255.255")).isTrue();
    assertThat(Cidr.parse("0.0.0.0/0").contains("2001:db8::1")).isFalse();
    assertThat(Cidr.parse("::/0").contains("2001:db8::1")).isTrue();
    assertThat(Cidr.parse("::/0").contains("192.0.2.1")).isFalse();
    assertThat(Cidr.parse("192.0.2.1/32").contains("192.0.2.1")).isTrue();
    assertThat(Cidr.parse("192.0.2.1/32").contains("192.0.2.2")).isFalse();
    assertThat(Cidr.parse("2001:db8::1/128").contains("2001:db8::1")).isTrue();
    assertThat(Cidr.parse("2001:db8::1/128").contains("2001:db8::2")).isFalse();
  }

  @Test
  void bareAddressesAreSingleAddressRanges() {
    assertThat(Cidr.parse("192.0.2.10")).hasToString("192.0.2.10/32");
    assertThat(Cidr.parse("2001:DB8:0:0::1")).hasToString("2001:db8::1/128");
  }

  @Test
  void ipv6RangesContainTheirAddressesOnly() {
    Cidr range = Cidr.parse("2620:1ec:4::/48");

    assertThat(range.contains("2620:1ec:4:ffff::1")).isTrue();
    assertThat(range.contains("2620:1ec:5::")).isFalse();
    assertThat(range.isIpv4()).isFalse();
    assertThat(range.prefixLength()).isEqualTo(48);
  }

  @Test
  void ipv4MappedAddressesCompareAsIpv4() {
    assertThat(Cidr.parse("10.0.0.0/8").contains("::ffff:10.1.2.3")).isTrue();
    assertThat(Cidr.parse("10.0.0.0/8").contains("::ffff:a01:203")).isTrue();
    assertThat(Cidr.parse("::ffff:10.0.0.0/104")).isEqualTo(Cidr.parse("10.0.0.0/8"));
    assertThat(Cidr.parse("::ffff:10.0.0.0/104").contains("10.9.9.9")).isTrue();
    assertThat(Cidr.parse("::ffff:192.0.2.1")).hasToString("192.0.2.1/32");
    assertThat(Cidr.parse("::/0").contains("::ffff:10.1.2.3")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/8",
        "10.0.0.0/",
        "10.0.0.0/33",
        "2001:db8::/129",
        "10.0.0.0/-1",
        "10.0.0.0/08",
        "10.0.0/8",
        "10.0.0.0.0/8",
        "256.0.0.0/8",
        "010.0.0.0/8",
        "1e.0.0.0",
        "localhost",
        "example.com/24",
        "10.0.0.0 /8",
        " 10.0.0.0/8",
        "[2001:db8::]/32",
        "2001:db8::%eth0/64",
        "2001:db8:::/32",
        "1:2:3:4:5:6:7:8:9/128",
        "10.0.0.1/8",
        "2001:db8::1/32",
        "::ffff:10.0.0.0/64",
        "10.0.0.0/8/8",
        "١٠.0.0.0/8",
        "0x0a.0.0.0/8"
      })
  void badRangesAreRejectedWithTheirProblem(String text) {
    assertThatThrownBy(() -> Cidr.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'");
  }

  @Test
  void hostBitsAfterThePrefixSuggestTheNetwork() {
    assertThatThrownBy(() -> Cidr.parse("10.1.2.3/8"))
        .hasMessageContaining("did you mean '10.0.0.0/8'");
  }

  @Test
  void orderIsIpv4FirstThenNumeric() {
    TreeSet<Cidr> sorted = new TreeSet<>();
    for (String text :
        List.of(
            "2001:db8::/32",
            "9.0.0.0/8",
            "10.0.0.0/16",
            "10.0.0.0/8",
            "100.0.0.0/8",
            "9.0.0.0/8")) {
      sorted.add(Cidr.parse(text));
    }

    assertThat(sorted)
        .map(Cidr::toString)
        .containsExactly("9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "100.0.0.0/8", "2001:db8::/32");
  }

  @Test
  void trustedProxiesNameTheBadEntry() {
    assertThatThrownBy(() -> TrustedProxies.of("10.0.0.0/8", "10.0.0.0/99"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid trusted proxy", "10.0.0.0/99");
    assertThat(TrustedProxies.of().isEmpty()).isTrue();
    assertThat(TrustedProxies.of("10.0.0.0/8", "2001:db8::/32").contains("2001:db8::7")).isTrue();
    assertThat(TrustedProxies.of("10.0.0.0/8").contains("not-an-ip")).isFalse();
  }
}
