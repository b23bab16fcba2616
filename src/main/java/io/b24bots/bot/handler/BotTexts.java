package io.b24bots.bot.handler;

import java.util.Locale;

import io.quarkus.qute.i18n.Localized;
import io.quarkus.qute.i18n.MessageBundles;

/**
 * A bot's texts in the user's language, from a Qute message bundle the bot declares: an interface
 * annotated {@code @MessageBundle("orders_texts")} with its English texts, and
 * {@code messages/orders_texts_ru.properties} (or a {@code @Localized("ru")} sub-interface) for Russian. {@code BotTexts.of(OrdersTexts.class, message.language())}
 * gives the texts in the message's language, or the bundle's default ones for any other.
 */
public final class BotTexts {

    private BotTexts() {
    }

    public static <T> T of(Class<T> bundle, String language) {
        if (language != null && !language.isBlank()) {
            try {
                return MessageBundles.get(bundle, Localized.Literal.of(language.toLowerCase(Locale.ROOT)));
            } catch (RuntimeException e) {
                // No texts in that language: the bundle's default ones follow.
            }
        }
        return MessageBundles.get(bundle);
    }
}
