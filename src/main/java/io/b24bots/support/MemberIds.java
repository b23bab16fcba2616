package io.b24bots.support;

import java.util.regex.Pattern;

/** The shape of a Bitrix24 portal's {@code member_id}: 32 hexadecimal digits. Anything else is refused at the edge. */
public final class MemberIds {

    public static final Pattern SHAPE = Pattern.compile("[0-9a-fA-F]{32}");

    private MemberIds() {
    }

    public static boolean valid(String memberId) {
        return memberId != null && SHAPE.matcher(memberId).matches();
    }
}
