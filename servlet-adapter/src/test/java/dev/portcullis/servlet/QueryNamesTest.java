package dev.portcullis.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryNamesTest {

  @Test
  void countsEachNameAsContainersDecodeIt() {
    assertThat(QueryNames.count("a=1&b=2&a=3&c&=x&&proj%65ctKey=k&x+y=z"))
        .isEqualTo(Map.of("a", 2, "b", 1, "c", 1, "projectKey", 1, "x y", 1));
    assertThat(QueryNames.count(null)).isEmpty();
    assertThat(QueryNames.count("")).isEmpty();
  }

  @Test
  void aNameThatCannotBeDecodedCountsNothing() {
    assertThat(QueryNames.count("a%zz=1")).isNull();
  }
}
