//! Finding the envelope an earlier send created for the same idempotency key.
//!
//! `GET …/envelopes?from_date=…&custom_field=connectorIdempotencyKey=<key>&include=custom_fields`
//! lists the envelopes of the last [`IDEMPOTENCY_WINDOW_DAYS`]; an envelope counts only when its
//! own `textCustomFields` carry exactly this key (the filter is not trusted), and every page is
//! read. Of those, the newest one a new send would duplicate is returned:
//!
//! - `sent`, `delivered`, `signed`, `completed`, `declined`, `correct` (and statuses this version
//!   does not know) block a new send: the signing request went out, so a retried step gets that
//!   envelope back (`reused: true`);
//! - `voided` (which includes expired envelopes), `deleted`, `timedout` and `created` (a draft
//!   never sent) do not: the sender withdrew it or it never reached anyone, so the key may be
//!   used for a new send.

use serde::Deserialize;

use super::custom_fields::{CustomFields, IDEMPOTENCY_FIELD};
use super::{EnvelopeStatus, SentEnvelope};
use crate::auth::Session;
use crate::auth::userinfo::Account;
use crate::error::{ConnectorError, Result};
use crate::host::Level;
use crate::http;
use crate::request::{HttpRequest, Method};
use crate::timestamp::Timestamp;
use crate::wire::lenient_u64;

/// How far back an idempotency key is looked for.
pub const IDEMPOTENCY_WINDOW_DAYS: u64 = 30;
/// Pages read at most; more means DocuSign ignored the filter, and no send is risked.
pub const MAX_PAGES: usize = 20;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeList {
    #[serde(default)]
    envelopes: Vec<Listed>,
    #[serde(default, deserialize_with = "lenient_u64")]
    end_position: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    total_set_size: Option<u64>,
    next_uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    envelope_id: String,
    status: Option<String>,
    status_changed_date_time: Option<String>,
    custom_fields: Option<CustomFields>,
}

impl EnvelopeList {
    /// Where the next page starts, if there is one.
    fn next_start(&self) -> Option<u64> {
        let next = self.end_position.map(|end| end + 1)?;
        let more = self
            .next_uri
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty())
            || self.total_set_size.is_some_and(|total| next < total);
        (more && !self.envelopes.is_empty()).then_some(next)
    }
}

/// Whether an envelope in `status` means the signing request already went out.
pub fn blocks_new_send(status: &EnvelopeStatus) -> bool {
    !matches!(
        status,
        EnvelopeStatus::Voided
            | EnvelopeStatus::Deleted
            | EnvelopeStatus::TimedOut
            | EnvelopeStatus::Created
            | EnvelopeStatus::Template
    )
}

/// The envelope an earlier send made for `key` that a new send would duplicate; see the module
/// docs.
pub fn find(session: &Session<'_>, account: &Account, key: &str) -> Result<Option<SentEnvelope>> {
    let host = session.host();
    let since = Timestamp::from_unix_ms(
        host.now_ms()
            .saturating_sub(IDEMPOTENCY_WINDOW_DAYS * 86_400_000),
    )
    .to_rfc3339();
    let filter = format!("{IDEMPOTENCY_FIELD}={key}");
    let mut carrying = Vec::new();
    let mut ignored = 0;
    let mut start = None;
    for page in 0.. {
        if page == MAX_PAGES {
            return Err(ConnectorError::bad_response(
                200,
                format!(
                    "looking for the idempotency key listed more than {MAX_PAGES} pages of envelopes; \
                     DocuSign did not apply the custom_field filter, so nothing was sent"
                ),
            ));
        }
        let start_text = start.map(|s: u64| s.to_string());
        let mut params = vec![
            ("from_date", since.as_str()),
            ("custom_field", filter.as_str()),
            ("include", "custom_fields"),
        ];
        if let Some(s) = &start_text {
            params.push(("start_position", s));
        }
        let url = format!(
            "{}/envelopes?{}",
            account.esign_base(),
            crate::request::query(&params)
        );
        let resp =
            session.send_expecting_success(HttpRequest::new(Method::Get, url).accept_json())?;
        let list: EnvelopeList = http::json(&resp, "envelope list")?;
        start = list.next_start();
        for e in list.envelopes {
            let has_key = e
                .custom_fields
                .as_ref()
                .is_some_and(|f| f.has_text(IDEMPOTENCY_FIELD, key));
            if has_key && crate::ids::is_guid(&e.envelope_id) {
                carrying.push(e);
            } else {
                ignored += 1;
            }
        }
        if start.is_none() {
            break;
        }
    }
    if ignored > 0 {
        host.log(
            Level::Warn,
            &format!(
                "the idempotency lookup returned {ignored} envelope(s) without this key; ignored"
            ),
        );
    }
    let mut blocking = Vec::new();
    for e in carrying {
        let status = EnvelopeStatus::parse(e.status.as_deref().unwrap_or("sent"));
        if blocks_new_send(&status) {
            blocking.push((e, status));
        } else {
            host.log(
                Level::Info,
                &format!(
                    "envelope {} carries this idempotency key but is {}; it does not block a new send",
                    e.envelope_id,
                    status.as_str()
                ),
            );
        }
    }
    let changed_at = |e: &Listed| {
        e.status_changed_date_time
            .as_deref()
            .and_then(Timestamp::parse)
    };
    Ok(blocking
        .into_iter()
        .max_by_key(|(e, _)| changed_at(e))
        .map(|(e, status)| SentEnvelope {
            status_changed_at: changed_at(&e),
            envelope_id: e.envelope_id,
            status,
            reused: true,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::scopes;
    use crate::config::Config;
    use crate::config::tests::connection;
    use crate::testing::{ACCOUNT_BASE, FakeHost};

    const KEY: &str = "order-2025-0042";
    const E1: &str = "11111111-1111-4111-8111-111111111111";
    const E2: &str = "22222222-2222-4222-8222-222222222222";

    fn list_url(start: Option<u32>) -> String {
        let mut url = format!(
            "{ACCOUNT_BASE}/envelopes?from_date=2025-04-02T15%3A40%3A00Z&custom_field=connectorIdempotencyKey%3Dorder-2025-0042&include=custom_fields"
        );
        if let Some(s) = start {
            url.push_str(&format!("&start_position={s}"));
        }
        url
    }

    fn envelope(id: &str, status: &str, changed: &str, key: Option<&str>) -> String {
        let fields = key
            .map(|k| {
                format!(
                    r#","customFields": {{"textCustomFields": [{{"name": "connectorIdempotencyKey", "value": "{k}", "show": "false", "required": "false"}}]}}"#
                )
            })
            .unwrap_or_default();
        format!(
            r#"{{"envelopeId": "{id}", "status": "{status}", "statusChangedDateTime": "{changed}"{fields}}}"#
        )
    }

    fn find_with(pages: &[(Option<u32>, String)]) -> (FakeHost, Option<SentEnvelope>) {
        let config = Config::from_connection(&connection()).unwrap();
        let host = FakeHost::with_session(&config);
        for (start, body) in pages {
            host.expect(Method::Get, &list_url(*start), 200, body);
        }
        let session = Session::new(&host, &config, scopes::ESIGNATURE);
        let account = session.account().unwrap();
        let found = find(&session, &account, KEY).unwrap();
        host.assert_done();
        (host, found)
    }

    #[test]
    fn only_envelopes_carrying_the_key_count() {
        // The filter was not applied: the newest envelope has another key, one has none.
        let body = format!(
            r#"{{"resultSetSize": "3", "startPosition": "0", "endPosition": "2", "totalSetSize": "3", "envelopes": [{}, {}, {}]}}"#,
            envelope(
                E2,
                "sent",
                "2025-05-02T10:00:00.0000000Z",
                Some("order-9999")
            ),
            envelope(E1, "sent", "2025-05-01T10:00:00.0000000Z", None),
            envelope(
                E1,
                "sent",
                "2025-05-01T10:00:00.0000000Z",
                Some("order-2025-00421")
            ),
        );
        let (host, found) = find_with(&[(None, body)]);
        assert_eq!(found, None);
        assert_eq!(host.logs_containing("without this key").len(), 1);
    }

    #[test]
    fn withdrawn_envelopes_do_not_block_a_new_send() {
        for status in ["voided", "deleted", "created", "timedout"] {
            let body = format!(
                r#"{{"envelopes": [{}]}}"#,
                envelope(E1, status, "2025-05-01T10:00:00.0000000Z", Some(KEY))
            );
            assert_eq!(find_with(&[(None, body)]).1, None, "{status}");
        }
        for status in [
            "sent",
            "delivered",
            "completed",
            "declined",
            "correct",
            "newstatus",
        ] {
            let body = format!(
                r#"{{"envelopes": [{}]}}"#,
                envelope(E1, status, "2025-05-01T10:00:00.0000000Z", Some(KEY))
            );
            let found = find_with(&[(None, body)]).1.unwrap();
            assert_eq!(
                (found.envelope_id.as_str(), found.reused),
                (E1, true),
                "{status}"
            );
        }
    }

    #[test]
    fn every_page_is_read_and_the_newest_blocking_envelope_wins() {
        let first = format!(
            r#"{{"resultSetSize": "1", "startPosition": "0", "endPosition": "0", "totalSetSize": "3", "nextUri": "/envelopes?start_position=1", "envelopes": [{}]}}"#,
            envelope(E1, "sent", "2025-05-01T10:00:00.0000000Z", Some(KEY))
        );
        let second = format!(
            r#"{{"resultSetSize": "2", "startPosition": "1", "endPosition": "2", "totalSetSize": "3", "nextUri": "", "envelopes": [{}, {}]}}"#,
            envelope(E2, "completed", "2025-05-02T10:00:00.0000000Z", Some(KEY)),
            envelope(E1, "voided", "2025-05-03T10:00:00.0000000Z", Some(KEY)),
        );
        let found = find_with(&[(None, first), (Some(1), second)]).1.unwrap();
        assert_eq!(found.envelope_id, E2);
        assert_eq!(found.status, EnvelopeStatus::Completed);
    }

    #[test]
    fn endless_listings_send_nothing() {
        let config = Config::from_connection(&connection()).unwrap();
        let host = FakeHost::with_session(&config);
        let page = |n: u32| {
            format!(
                r#"{{"endPosition": "{n}", "totalSetSize": "1000000", "envelopes": [{}]}}"#,
                envelope(E1, "sent", "2025-05-01T10:00:00.0000000Z", None)
            )
        };
        host.expect(Method::Get, &list_url(None), 200, &page(0));
        for n in 1..MAX_PAGES as u32 {
            host.expect(Method::Get, &list_url(Some(n)), 200, &page(n));
        }
        let session = Session::new(&host, &config, scopes::ESIGNATURE);
        let account = session.account().unwrap();
        let err = find(&session, &account, KEY).unwrap_err();
        assert!(
            matches!(&err, ConnectorError::InvalidResponse { message, .. } if message.contains("filter")),
            "{err:?}"
        );
    }
}
