package dev.portcullis.e2e.sample;

/** Builds greetings. Exists only to give the scanners something to analyse. */
public final class Greeter {
    private final String prefix;

    public Greeter(String prefix) {
        this.prefix = prefix == null ? "Hello" : prefix;
    }

    public String greet(String name) {
        if (name == null || name.isBlank()) {
            return prefix + ", stranger";
        }
        return prefix + ", " + name.trim();
    }
}
