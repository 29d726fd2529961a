package dev.portcullis.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Decision;
import dev.portcullis.DeniedResponse;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.testkit.StubPolicyEngine;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PortcullisFilterTest {

  private final PortcullisFilter filter =
      new PortcullisFilter(PolicyEnforcer.builder(new StubPolicyEngine()).build());

  @Test
  void nonHttpRequestFailsInsteadOfPassingThrough() {
    AtomicBoolean chainCalled = new AtomicBoolean();

    assertThatThrownBy(
            () ->
                filter.doFilter(
                    stub(ServletRequest.class, Map.of()),
                    stub(ServletResponse.class, Map.of()),
                    (req, res) -> chainCalled.set(true)))
        .isInstanceOf(ServletException.class)
        .hasMessageContaining("only judges HTTP requests");
    assertThat(chainCalled).isFalse();
  }

  @Test
  void denyBodyHoldsStatusReasonsAndEscapedMessageOnly() {
    Decision deny = Decision.deny(403, List.of("user_directory", "second"), "Say \"no\"\\\n");

    assertThat(DeniedResponse.json(deny))
        .isEqualTo(
            "{\"status\":403,\"reasons\":[\"user_directory\",\"second\"],\"message\":\"Say \\\"no\\\"\\\\\\u000a\","
                + "\"errors\":[{\"msg\":\"Portcullis gateway: Say \\\"no\\\"\\\\\\u000a (user_directory, second)\"}]}");
  }

  @Test
  void canonicalRequestReplacesUriQueryAndUrl() {
    HttpServletRequest raw =
        stub(
            HttpServletRequest.class,
            Map.of(
                "getRequestURI", "/ctx/echo/%61b",
                "getQueryString", "x=%41",
                "getRequestURL", new StringBuffer("http://gateway:8080/ctx/echo/%61b")));

    CanonicalRequest canonical = new CanonicalRequest(raw, "/ctx/echo/ab?x=A");

    assertThat(canonical.getRequestURI()).isEqualTo("/ctx/echo/ab");
    assertThat(canonical.getQueryString()).isEqualTo("x=A");
    assertThat(canonical.getRequestURL()).hasToString("http://gateway:8080/ctx/echo/ab");
    assertThat(new CanonicalRequest(raw, "/ctx/echo/ab").getQueryString()).isNull();
  }

  @Test
  void accessorReadsTheRawTarget() {
    HttpServletRequest raw =
        stub(
            HttpServletRequest.class,
            Map.of("getRequestURI", "/a/%2e%2e/b", "getQueryString", "q=%41"));

    assertThat(ServletRequestAccessor.INSTANCE.rawTarget(raw)).isEqualTo("/a/%2e%2e/b?q=%41");
  }

  /** A request or response answering the given no-argument methods and failing on anything else. */
  private static <T> T stub(Class<T> type, Map<String, Object> answers) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> {
              if (answers.containsKey(method.getName())) {
                return answers.get(method.getName());
              }
              if (method.getName().equals("getQueryString")) {
                return null;
              }
              throw new UnsupportedOperationException(method.getName());
            }));
  }
}
