package dev.portcullis.e2e.sample;

import java.util.ArrayList;
import java.util.List;

/** Entry point; also carries a couple of deliberate code smells so the analysis has findings. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Greeter greeter = new Greeter("Hello");
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(greeter.greet(a));
        }
        // TODO: deliberate finding for the analysers
        System.out.println(String.join("\n", out));
    }
}
