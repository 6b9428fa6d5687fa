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

const ATTACHMENT: &str = "0b6f1c2e-6a63-4d8e-9a53-1f3f7f0e2a11";

fn view_frame(extra: Value) -> String {
    let mut v = json!({"type": "view", "attachment_id": ATTACHMENT,
                       "series_uid": "1.2.840.1", "frame": 12});
    if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
        m.extend(e);
    }
    v.to_string()
}

#[test]
fn views_parse_with_their_numbers_bounded() {
    let Command::View(v) = parse(&view_frame(json!({}))).unwrap().command else {
        panic!("not a view");
    };
    assert_eq!(
        (v.attachment_id.as_str(), v.series_uid.as_str(), v.frame),
        (ATTACHMENT, "1.2.840.1", 12)
    );
    assert_eq!(
        (v.window, v.preset, v.zoom, v.center),
        (None, None, None, None)
    );
    let full = parse(&view_frame(json!({"wc": 40, "ww": 80.5, "preset": "brain",
        "zoom": 1.5, "center": [10, 20.5], "request_id": "r1", "future": true})))
    .unwrap();
    assert_eq!(full.request_id.as_deref(), Some("r1"));
    assert_eq!(full.command.name(), "view");
    let Command::View(v) = full.command else {
        panic!("not a view");
    };
    assert_eq!(v.window.map(|w| (w.center, w.width)), Some((40.0, 80.5)));
    assert_eq!(v.preset.map(|p| p.as_str()), Some("brain"));
    assert_eq!((v.zoom, v.center), (Some(1.5), Some([10.0, 20.5])));
    // Explicit nulls are absent fields.
    assert!(parse(&view_frame(json!({"zoom": null, "center": null}))).is_ok());
}

#[test]
fn bad_views_name_their_field() {
    let cases = [
        (
            r#"{"type":"view","series_uid":"1.2","frame":0}"#.to_string(),
            "attachment_id",
        ),
        (
            r#"{"type":"view","attachment_id":"a","frame":0}"#.to_string(),
            "series_uid",
        ),
        (
            r#"{"type":"view","attachment_id":"a","series_uid":"1.2"}"#.to_string(),
            "frame",
        ),
        (view_frame(json!({"frame": -1})), "frame"),
        (view_frame(json!({"frame": 4_294_967_296_u64})), "frame"),
        (view_frame(json!({"frame": 1.5})), "frame"),
        (view_frame(json!({"frame": "1"})), "frame"),
        (view_frame(json!({"series_uid": "1.2.x"})), "series_uid"),
        (
            view_frame(json!({"series_uid": "1".repeat(65)})),
            "series_uid",
        ),
        (view_frame(json!({"attachment_id": 7})), "attachment_id"),
        (view_frame(json!({"wc": 40})), "ww"),
        (view_frame(json!({"ww": 80})), "wc"),
        (view_frame(json!({"wc": 1e8, "ww": 80})), "wc"),
        (view_frame(json!({"wc": 40, "ww": 0.5})), "ww"),
        (view_frame(json!({"wc": "40", "ww": 80})), "wc"),
        (view_frame(json!({"preset": "bones"})), "preset"),
        (view_frame(json!({"preset": 3})), "preset"),
        (view_frame(json!({"zoom": 0.09})), "zoom"),
        (view_frame(json!({"zoom": 51})), "zoom"),
        (view_frame(json!({"zoom": "2"})), "zoom"),
        (view_frame(json!({"center": [1]})), "center"),
        (view_frame(json!({"center": [1, 2, 3]})), "center"),
        (view_frame(json!({"center": [1, "2"]})), "center"),
        (view_frame(json!({"center": [1, 2e7]})), "center"),
        (view_frame(json!({"center": {"x": 1, "y": 2}})), "center"),
    ];
    for (text, field) in cases {
        let r = parse(&text).unwrap_err();
        // A member of the centre is named as such: `center[1]`.
        assert!(
            r.code == "invalid_input" && r.field.as_deref().is_some_and(|f| f.starts_with(field)),
            "{text}: {r:?}"
        );
    }
    // Numbers JSON cannot hold are refused as a malformed frame.
    assert!(
        parse(r#"{"type":"view","attachment_id":"a","series_uid":"1","frame":0,"zoom":1e999}"#)
            .is_err()
    );
}

#[test]
fn a_relayed_view_says_who_sent_it_and_what_was_sent() {
    let by = User {
        id: "u1".into(),
        email: "chair@example.org".into(),
        name: "Dr Chair".into(),
        role: crate::domain::user::Role::Clinician,
        specialty: None,
        organization: None,
        created_at: chrono::Utc::now(),
        locale: crate::domain::user::Locale::Fr,
        external_id: None,
    };
    let Command::View(v) = parse(&view_frame(json!({"preset": "lung", "zoom": 2.0,
        "center": [1.5, 2]})))
    .unwrap()
    .command
    else {
        panic!("not a view");
    };
    let relayed: Value = serde_json::from_str(&view(&by, ATTACHMENT, &v)).unwrap();
    assert_eq!(relayed["type"], "view");
    assert_eq!(relayed["by"]["id"], "u1");
    assert_eq!(relayed["attachment_id"], ATTACHMENT);
    assert_eq!(relayed["series_uid"], "1.2.840.1");
    assert_eq!(relayed["frame"], 12);
    assert_eq!(relayed["preset"], "lung");
    assert_eq!(relayed["zoom"], 2.0);
    assert_eq!(relayed["center"], json!([1.5, 2.0]));
    // What was not sent is not relayed.
    assert!(relayed.get("wc").is_none() && relayed.get("ww").is_none());
    let Command::View(w) = parse(&view_frame(json!({"wc": -600, "ww": 1500})))
        .unwrap()
        .command
    else {
        panic!("not a view");
    };
    let relayed: Value = serde_json::from_str(&view(&by, ATTACHMENT, &w)).unwrap();
    assert_eq!(
        (relayed["wc"].as_f64(), relayed["ww"].as_f64()),
        (Some(-600.0), Some(1500.0))
    );
    assert!(relayed.get("preset").is_none() && relayed.get("zoom").is_none());
}
