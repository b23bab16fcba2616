package io.b24bots.install;

import io.b24bots.oauth.AppInfo;

/** An access token a trusted OAuth server vouched for, belonging to a portal administrator. */
public record ProvenToken(String oauthServer, AppInfo appInfo) {
}
