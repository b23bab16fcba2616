package io.b24bots.examples;

import io.quarkus.qute.i18n.Message;
import io.quarkus.qute.i18n.MessageBundle;

/** The orders bot's texts: English here, Russian in {@link OrdersTextsRu}. */
@MessageBundle("orders_texts")
public interface OrdersTexts {

    @Message("Order {id} is on its way.")
    String onItsWay(String id);
}
