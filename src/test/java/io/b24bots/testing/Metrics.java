package io.b24bots.testing;

import static io.restassured.RestAssured.given;

/** Reads this service's Prometheus metrics the way an operator's scraper does. */
public final class Metrics {

    private Metrics() {
    }

    /** The sum of every series of {@code name} whose labels contain {@code labels} (e.g. {@code reason="x"}). */
    public static double sum(String name, String labels) {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        double total = 0;
        for (String line : text.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(labels)) {
                // "name{labels} value", and with tracing on an exemplar after " # ": the value is the word after the labels.
                String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line;
                total += Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
