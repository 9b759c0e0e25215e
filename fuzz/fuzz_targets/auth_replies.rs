//! Any reply to the token grant or to /oauth/userinfo gives a result or a typed error.
#![no_main]

mod common;

use docusign_connector::auth::{scopes, token};
use docusign_connector::auth::commands;
use docusign_connector::testing::FakeHost;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = common::config();
    let reply = common::reply(data);
    // userinfo, with a cached token
    let host = common::host_with_session(&config, reply.clone());
    let _ = commands::auth_test(&host, &config);
    // the token reply, for an assertion already signed
    let host = FakeHost::answering(reply.clone());
    let now_ms = host.now.get();
    let _ = token::exchange_assertion(
        &host,
        &config,
        &scopes::combine(scopes::ESIGNATURE, &[]),
        "fuzz.assertion.signature",
        now_ms,
    );
    // the whole grant now and then (signing is slow under the sanitizer)
    if data.first().is_some_and(|b| b % 64 == 0) {
        let host = FakeHost::answering(reply);
        let _ = commands::auth_test(&host, &config);
    }
});
