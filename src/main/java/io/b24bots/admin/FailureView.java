package io.b24bots.admin;

/** One row of the admin page's list of failed work, with every text already in the page's language. */
public record FailureView(String work, String code, String explanation, String when) {
}
