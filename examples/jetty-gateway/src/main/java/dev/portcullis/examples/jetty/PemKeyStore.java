package dev.portcullis.examples.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/** Builds an in-memory key store from a PEM certificate chain and a PEM PKCS#8 private key. */
final class PemKeyStore {

  static final char[] PASSWORD = new char[0];

  private PemKeyStore() {}

  static KeyStore load(Path certificateChain, Path privateKey) {
    List<? extends Certificate> chain;
    try (InputStream in = Files.newInputStream(certificateChain)) {
      chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "Cannot load the TLS certificate "
              + certificateChain
              + " ("
              + e.getClass().getSimpleName()
              + "): it must be a PEM certificate chain ('-----BEGIN CERTIFICATE-----').",
          e);
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("No certificate in " + certificateChain + ".");
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("gateway", key(privateKey), PASSWORD, chain.toArray(new Certificate[0]));
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "Cannot load the TLS key "
              + privateKey
              + " for the certificate "
              + certificateChain
              + " ("
              + e.getClass().getSimpleName()
              + "): the key must be an unencrypted PKCS#8 PEM "
              + "('-----BEGIN PRIVATE KEY-----'; convert with 'openssl pkcs8 -topk8 -nocrypt').",
          e);
    }
  }

  private static PrivateKey key(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new GeneralSecurityException("not a PKCS#8 PEM private key");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException wrongAlgorithm) {
        // try the next one
      }
    }
    throw new GeneralSecurityException("unsupported private key algorithm");
  }
}
