//! Unit tests of the frame parser and the messages (`protocol.rs`).

use super::*;

#[test]
fn parses_every_command() {
    let cases = [
        (
            r#"{"type":"hello","token":"t","since":null}"#,
            Command::Hello {
                token: "t".into(),
                since: None,
            },
        ),
        (
            r#"{"type":"hello","token":"t","since":4}"#,
            Command::Hello {
                token: "t".into(),
                since: Some(4),
            },
        ),
        (
            r#"{"type":"chat","text":"hi","request_id":"r1"}"#,
            Command::Chat { text: "hi".into() },
        ),
        (
            r#"{"type":"focus","dossier_id":"d"}"#,
            Command::Focus {
                dossier_id: "d".into(),
            },
        ),
        (
            r#"{"type":"open_vote","dossier_id":"d","proposal":"p","options":["a","b"]}"#,
            Command::OpenVote {
                dossier_id: "d".into(),
                proposal: "p".into(),
                options: vec!["a".into(), "b".into()],
            },
        ),
        (
            r#"{"type":"cast","vote_id":"v","option":"a"}"#,
            Command::Cast {
                vote_id: "v".into(),
                option: "a".into(),
                comment: None,
            },
        ),
        (
            r#"{"type":"close_vote","vote_id":"v","summary":"s"}"#,
            Command::CloseVote {
                vote_id: "v".into(),
                summary: "s".into(),
            },
        ),
        (r#"{"type":"ping"}"#, Command::Ping),
    ];
    for (text, expected) in cases {
        assert_eq!(parse(text).unwrap().command, expected, "{text}");
    }
    assert_eq!(
        parse(r#"{"type":"chat","text":"x","request_id":"r1"}"#)
            .unwrap()
            .request_id
            .as_deref(),
        Some("r1")
    );
}

#[test]
fn refusals_name_the_field_and_keep_the_request_id() {
    let r = parse(r#"{"type":"chat","request_id":"r9"}"#).unwrap_err();
    assert_eq!(
        (r.code, r.field.as_deref(), r.request_id.as_deref()),
        ("invalid_input", Some("text"), Some("r9"))
    );
    let r = parse(r#"{"type":"cast","vote_id":"v","option":3}"#).unwrap_err();
    assert_eq!(r.field.as_deref(), Some("option"));
    let r = parse(r#"{"type":"dance","request_id":"r2"}"#).unwrap_err();
    assert_eq!(
        (r.field.as_deref(), r.request_id.as_deref()),
        (Some("type"), Some("r2"))
    );
    assert_eq!(
        parse(r#"{"text":"x"}"#).unwrap_err().field.as_deref(),
        Some("type")
    );
    assert_eq!(
        parse("not json").unwrap_err().field.as_deref(),
        Some("frame")
    );
    assert_eq!(parse("[1]").unwrap_err().field.as_deref(), Some("frame"));
    assert_eq!(
        parse(r#"{"type":"ping","request_id":7}"#)
            .unwrap_err()
            .field
            .as_deref(),
        Some("request_id")
    );
    assert_eq!(
        parse(r#"{"type":"hello","token":"t","since":-1}"#)
            .unwrap_err()
            .field
            .as_deref(),
        Some("since")
    );
    assert_eq!(
        parse(r#"{"type":"open_vote","dossier_id":"d","proposal":"p","options":"a"}"#)
            .unwrap_err()
            .field
            .as_deref(),
        Some("options")
    );
}

fn event(kind: &str, dossier: Option<&str>, payload: Value) -> Committed {
    Committed {
        session_id: "s".into(),
        seq: 7,
        kind: kind.into(),
        dossier_id: dossier.map(str::to_string),
        author_id: "chair".into(),
        payload: payload.to_string(),
    }
}

#[test]
fn events_as_a_referrer_sees_them() {
    let referrer = Viewer::of(
        crate::domain::room::RoomRole::Referrer,
        false,
        "r",
        ["mine".to_string()],
    );
    let at = "2026-11-24T16:30:00.000000Z";
    let by = json!({"id": "chair", "name": "Dr Chair"});
    let focus = |d: &str| {
        event(
            "focus",
            Some(d),
            json!({"type": "focus", "seq": 7, "at": at, "by": by, "dossier_id": d}),
        )
    };
    assert_eq!(event_for(&referrer, &focus("mine")), None);
    assert_eq!(event_for(&Viewer::WholeRoom, &focus("theirs")), None);
    let elsewhere: Value =
        serde_json::from_str(&event_for(&referrer, &focus("theirs")).unwrap()).unwrap();
    assert_eq!(
        elsewhere,
        json!({"type": "focus", "seq": 7, "at": at, "by": by, "dossier_id": null})
    );
    let chat = event(
        "chat",
        Some("theirs"),
        json!({"type": "chat", "seq": 7, "at": at, "by": by, "text": "about them"}),
    );
    let hidden: Value = serde_json::from_str(&event_for(&referrer, &chat).unwrap()).unwrap();
    assert_eq!(hidden, json!({"type": "hidden", "seq": 7, "at": at}));
    // A payload that cannot be read is hidden whole.
    let broken = Committed {
        payload: "not json".into(),
        ..focus("theirs")
    };
    let hidden: Value = serde_json::from_str(&event_for(&referrer, &broken).unwrap()).unwrap();
    assert_eq!(hidden, json!({"type": "hidden", "seq": 7, "at": null}));
}

#[test]
fn messages_are_json() {
    let e = Refusal::invalid(
        ValidationError::new("text", "is required"),
        Some("r".into()),
    );
    let v: Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["request_id"], "r");
    let a: Value = serde_json::from_str(&ack(Some("r"), Some(3))).unwrap();
    assert_eq!(a, json!({"type": "ack", "request_id": "r", "seq": 3}));
    let a: Value = serde_json::from_str(&ack(None, None)).unwrap();
    assert_eq!(a, json!({"type": "ack", "request_id": null}));
}
