//! Property tests of the pure logic: routing orders, duplicate filtering, checkpoint commits,
//! timestamps, percent-encoding, envelope bodies.

use base64::Engine as _;
use proptest::prelude::*;

use crate::connect::{ConnectError, signature, verify_message};
use crate::esign::envelope::create_body;
use crate::esign::routing::routing_orders;
use crate::esign::{Document, SendRequest};
use crate::events::checkpoint::{self, Checkpoint, Dedup};
use crate::request::{HttpRequest, Method};
use crate::testing::FakeHost;
use crate::timestamp::Timestamp;

proptest! {

    /// Connect messages (the fuzz target `connect_messages`, as a property): any body signed with
    /// the key reaches the parser and gives an event or `invalid-message`; the same body with
    /// one byte changed is refused before parsing. Never a panic.
    #[test]
    fn connect_messages_verify_or_fail_typed(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            "\\{\"event\":\"[a-z-]{0,12}\",\"data\":\\{\"envelopeId\":\"[ a-f0-9-]{0,8}\"\\}\\}"
                .prop_map(String::into_bytes),
        ],
        flip in any::<prop::sample::Index>(),
    ) {
        let key = "property-key".to_owned();
        let headers = vec![("X-DocuSign-Signature-1".to_owned(), signature::sign(&body, &key))];
        match verify_message(&headers, &body, std::slice::from_ref(&key)) {
            Ok(event) => prop_assert!(!event.envelope_id.trim().is_empty()),
            Err(ConnectError::InvalidMessage(_)) => {}
            Err(other) => prop_assert!(false, "signed body refused: {other:?}"),
        }
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip.index(body.len())] ^= 0x20;
            prop_assert_eq!(
                verify_message(&headers, &changed, &[key]),
                Err(ConnectError::Mismatch { signatures: 1, keys: 1 })
            );
        }
    }

    /// Routing orders: one per signer, contiguous ranks 1..=k for numbered signers (equal numbers
    /// share a rank, order kept), the unnumbered after all of them, everyone at 1 without numbers.
    #[test]
    fn routing_orders_keep_relative_order(order in prop::collection::vec(prop::option::of(0u32..20), 0..12), extra in 0usize..4) {
        let signers = order.len() + extra;
        let routed = routing_orders(&order, signers);
        prop_assert_eq!(routed.len(), signers);
        let explicit = |i: usize| order.get(i).copied().flatten().filter(|n| *n > 0);
        let numbered: Vec<usize> = (0..signers).filter(|i| explicit(*i).is_some()).collect();
        if numbered.is_empty() {
            prop_assert!(routed.iter().all(|r| *r == 1));
        }
        let max_rank = numbered.iter().map(|i| routed[*i]).max().unwrap_or(0);
        let mut ranks: Vec<u32> = numbered.iter().map(|i| routed[*i]).collect();
        ranks.sort_unstable();
        ranks.dedup();
        prop_assert_eq!(ranks, (1..=max_rank).collect::<Vec<_>>(), "contiguous ranks");
        for &a in &numbered {
            for &b in &numbered {
                prop_assert_eq!(explicit(a).cmp(&explicit(b)), routed[a].cmp(&routed[b]));
            }
        }
        for i in (0..signers).filter(|i| explicit(*i).is_none()) {
            prop_assert_eq!(routed[i], max_rank + 1);
        }
    }

    /// The duplicate filter admits each id once, never one already delivered, and remembers a
    /// bounded tail ending with the newest ids.
    #[test]
    fn dedup_admits_each_new_id_once(delivered in prop::collection::vec("[a-f]{1,3}", 0..40), batch in prop::collection::vec("[a-f]{1,3}", 0..80)) {
        let recent = delivered.iter().cloned().collect();
        let mut dedup = Dedup::new(&recent);
        let admitted: Vec<String> = batch.iter().filter(|id| dedup.admit(id)).cloned().collect();
        let mut expected = Vec::new();
        for id in &batch {
            if !delivered.contains(id) && !expected.contains(id) {
                expected.push(id.clone());
            }
        }
        prop_assert_eq!(&admitted, &expected);
        let kept = dedup.into_recent();
        prop_assert!(kept.len() <= checkpoint::RECENT_IDS);
        if let Some(last) = admitted.last() {
            prop_assert_eq!(kept.back(), Some(last));
        }
    }

    /// Whatever order candidates are committed in, the committed revision only ever moves one
    /// step forward, from the candidate built on it; stale candidates are refused.
    #[test]
    fn only_successors_commit(plan in prop::collection::vec((0usize..4, any::<bool>()), 1..30)) {
        let host = FakeHost::new();
        let mut candidates: Vec<Checkpoint> = Vec::new();
        let mut revision = 0;
        for (pick, fresh) in plan {
            if fresh || candidates.is_empty() {
                let mut c = checkpoint::load(&host, "fp").unwrap().successor();
                c.customer_events.cursor = Some(format!("c{}", candidates.len()));
                candidates.push(c);
                continue;
            }
            let candidate = &candidates[pick % candidates.len()];
            let outcome = checkpoint::commit(&host, "fp", &candidate.to_text());
            let committed = checkpoint::load(&host, "fp").unwrap();
            if candidate.base == revision {
                prop_assert!(outcome.is_ok());
                revision += 1;
            } else if candidate.revision == revision && *candidate == committed {
                prop_assert!(outcome.is_ok(), "recommitting the committed candidate is harmless");
            } else {
                prop_assert!(outcome.is_err());
            }
            prop_assert_eq!(committed.revision, revision);
        }
    }

    /// The digit writer prints what `format!` prints.
    #[test]
    fn timestamps_format_like_format_macro(seconds in 0i64..253_402_300_800, nanos in 0u32..1_000_000_000) {
        let t = Timestamp { seconds, nanoseconds: nanos };
        let dt = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap();
        let mut expected = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(), u8::from(dt.month()), dt.day(), dt.hour(), dt.minute(), dt.second()
        );
        if nanos != 0 {
            expected.push_str(format!(".{nanos:09}").trim_end_matches('0'));
        }
        expected.push('Z');
        prop_assert_eq!(t.to_rfc3339(), expected);
    }

    /// Any spelling parses as `time`'s parsers read it.
    #[test]
    fn timestamp_spellings_parse_like_time(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?(Z|z|[+-][0-9]{2}:[0-9]{2})?") {
        prop_assert_eq!(Timestamp::parse(&text), Timestamp::parse_any(&text));
    }

    /// A time said to be spelled as written is exactly what the writer prints; the writer's text
    /// is always one.
    #[test]
    fn times_spelled_as_written_are_the_writers_text(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,11})?Z", seconds in 0i64..253_402_300_800, nanos in 0u32..1_000_000_000) {
        if let Some((t, as_written)) = Timestamp::parse_as_written(&text) {
            prop_assert_eq!(Some(t), Timestamp::parse(&text));
            prop_assert_eq!(as_written, t.to_rfc3339() == text);
        }
        let written = Timestamp { seconds, nanoseconds: nanos }.to_rfc3339();
        prop_assert_eq!(Timestamp::parse_as_written(&written), Some((Timestamp { seconds, nanoseconds: nanos }, true)));
    }

    /// RFC 3339 output parses back to the same instant, at any precision.
    #[test]
    fn timestamps_round_trip(seconds in 0i64..4_102_444_800, nanos in 0u32..1_000_000_000) {
        let t = Timestamp { seconds, nanoseconds: nanos };
        prop_assert_eq!(Timestamp::parse(&t.to_rfc3339()), Some(t));
    }

    /// Percent-encoded query values decode back to the original text.
    #[test]
    fn query_values_round_trip(value in "\\PC{0,40}") {
        let encoded = crate::request::encode(&value);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8().unwrap();
        prop_assert_eq!(decoded, value);
    }

    /// The envelope body is JSON whose documents decode to exactly the bytes given.
    #[test]
    fn envelope_bodies_carry_documents_exactly(docs in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..3000), 1..4), name in "[A-Za-z0-9 ()_-]{1,30}") {
        let documents: Vec<Document> = docs.iter().enumerate().map(|(i, content)| Document { name: format!("{name}{i}.pdf"), content: content.clone() }).collect();
        let req = SendRequest {
            signer_emails: vec!["a@example.com".into()],
            signer_names: vec![name.clone()],
            documents,
            email_subject: "s".into(),
            ..SendRequest::default()
        };
        let mut request = HttpRequest::new(Method::Post, "https://demo.docusign.net/x");
        request.body_parts = create_body(req, None).unwrap();
        let assembled = request.assembled_body();
        prop_assert_eq!(assembled.len(), request.body_len());
        let body: serde_json::Value = serde_json::from_slice(&assembled).unwrap();
        for (i, content) in docs.iter().enumerate() {
            let b64 = body["documents"][i]["documentBase64"].as_str().unwrap();
            prop_assert_eq!(&base64::engine::general_purpose::STANDARD.decode(b64).unwrap(), content);
            prop_assert_eq!(body["documents"][i]["name"].as_str().unwrap(), format!("{name}{i}.pdf"));
        }
        prop_assert_eq!(body["recipients"]["signers"][0]["name"].as_str().unwrap(), name.as_str());
    }
}
