package io.b24bots.examples;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Declares the orders bot for its test only, beside the bots of application-test.properties. */
public class OrdersBotProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "b24.bots.orders.code", "acme_orders",
                "b24.bots.orders.name", "Orders",
                "b24.bots.orders.color", "azure",
                "b24.bots.orders.event-mode", "webhook",
                "b24.bots.orders.handler", "orders",
                "b24.bots.orders.commands.orders.title.en", "Your orders",
                "b24.bots.orders.commands.orders.title.ru", "Ваши заказы");
    }
}
