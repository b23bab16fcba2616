package io.b24bots.examples;

import io.quarkus.qute.i18n.Localized;
import io.quarkus.qute.i18n.Message;

/**
 * The orders bot's Russian texts as an interface rather than {@code messages/orders_texts_ru.properties}:
 * this bot lives in the test sources, and a {@code messages} folder there would hide the service's own
 * {@code messages} folder from Qute in tests. A bot in {@code src/main} can use either form.
 */
@Localized("ru")
public interface OrdersTextsRu extends OrdersTexts {

    @Override
    @Message("Заказ {id} уже в пути.")
    String onItsWay(String id);
}
