package io.b24bots.bitrix;

import java.util.Map;

/** One Bitrix24 REST method with its parameters, to be called alone or as a command of a {@code batch}. */
public record RestCall(String method, Map<String, ?> params) {
}
