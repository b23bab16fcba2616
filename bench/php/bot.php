<?php
// The PHP peer of bench/run: an echo bot that does per message what Bitrix24's EchoBot does, and nothing
// else. It checks the event's application token against the installed portals (a PHP file, kept by
// opcache), sends the reply with imbot.message.add through cURL inside the request, and answers 200.
// It stores nothing: no deduplication, no queue, no retry.
$installed = require __DIR__ . '/portals.php';
$auth = $_REQUEST['auth'] ?? [];
$member = $auth['member_id'] ?? '';
if (!isset($installed[$member]) || !hash_equals($installed[$member], (string) ($auth['application_token'] ?? ''))) {
    http_response_code(401);
    exit;
}
if (($_REQUEST['event'] ?? '') === 'ONIMBOTMESSAGEADD') {
    $bot = reset($_REQUEST['data']['BOT']);
    $params = $_REQUEST['data']['PARAMS'];
    $call = curl_init($auth['client_endpoint'] . 'imbot.message.add');
    curl_setopt_array($call, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => http_build_query([
            'BOT_ID' => $bot['BOT_ID'],
            'DIALOG_ID' => $params['DIALOG_ID'],
            'MESSAGE' => 'You wrote: ' . $params['MESSAGE'],
            'auth' => $auth['access_token'],
        ]),
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 10,
    ]);
    curl_exec($call);
    curl_close($call);
}
echo 'ok';
