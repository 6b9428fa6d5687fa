//! The room tells voters where they stand (API.md section 16, issue 15): `welcome` carries how
//! many have voted on each open vote and the joiner's own ballots (never anyone else's);
//! `tally` names who has voted (never for what) and the quorum as if the vote closed now,
//! naming the required specialties still missing.

use serde_json::json;

use crate::fixtures::{meeting, open_vote};
use crate::helpers::{Backend, spawn_app};
use crate::on_both;
use crate::ws::Ws;

on_both!(voters_know_where_they_stand);

async fn voters_know_where_they_stand(backend: Backend) {
    let app = spawn_app(backend).await;
    // Specialists: Neuroradiology, Ophthalmology, Neurology (fixtures::meeting); the rule needs
    // 2 voters of 2 specialties, neuroradiology among them.
    let m = meeting(
        &app,
        json!({"min_voters": 2, "min_specialties": 2, "required_specialties": ["neuroradiology"]}),
    )
    .await;
    let specialty = |i: usize| m.specialists[i].specialty.clone().unwrap_or_default();
    let radiologist = (0..3)
        .find(|&i| specialty(i).eq_ignore_ascii_case("neuroradiology"))
        .expect("a neuroradiologist in the fixture");
    let others: Vec<usize> = (0..3).filter(|&i| i != radiologist).collect();
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let mut voter = Ws::join(&app.url, &m.session, &m.specialists[others[0]].token, None)
        .await
        .0;
    let vote = open_vote(&mut chair, &m.dossier, &["escalate", "continue"]).await;
    voter
        .ok(json!({"type": "cast", "vote_id": vote, "option": "continue", "comment": "Stable."}))
        .await;
    let tally = chair
        .until(|v| v["type"] == "tally" && v["cast"] == 1)
        .await;
    assert_eq!(tally["voters"], json!([m.specialists[others[0]].id]));
    let q = &tally["quorum"];
    assert_eq!(q["met"], false);
    assert_eq!(q["voters"], 1);
    assert_eq!(q["missing_voters"], 1);
    assert_eq!(q["missing_specialties"], json!(["neuroradiology"]));
    assert!(
        !tally.to_string().contains("continue"),
        "never for what: {tally}"
    );
    // A second voter of another specialty: enough voters and specialties, still not the
    // required one.
    let mut second = Ws::join(&app.url, &m.session, &m.specialists[others[1]].token, None)
        .await
        .0;
    second
        .ok(json!({"type": "cast", "vote_id": vote, "option": "escalate"}))
        .await;
    let tally = chair
        .until(|v| v["type"] == "tally" && v["cast"] == 2)
        .await;
    assert_eq!(tally["quorum"]["met"], false);
    assert_eq!(tally["quorum"]["missing_voters"], 0);
    assert_eq!(tally["quorum"]["missing_specialty_count"], 0);
    assert_eq!(
        tally["quorum"]["missing_specialties"],
        json!(["neuroradiology"])
    );
    assert_eq!(tally["voters"].as_array().unwrap().len(), 2);
    // A rejoining voter gets the count and their own ballot, nobody else's.
    drop(voter);
    let (_again, welcome) =
        Ws::join(&app.url, &m.session, &m.specialists[others[0]].token, None).await;
    assert_eq!(welcome["tallies"], json!({ vote.as_str(): 2 }));
    assert_eq!(
        welcome["my_ballots"],
        json!([{"vote_id": vote, "option": "continue", "comment": "Stable."}])
    );
    assert_eq!(
        welcome["standings"][vote.as_str()]["quorum"]["missing_specialties"],
        json!(["neuroradiology"])
    );
    // The chair has not voted: no ballot of theirs, and nobody's option.
    let (_chair2, chair_welcome) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    assert_eq!(chair_welcome["my_ballots"], json!([]));
    assert_eq!(chair_welcome["tallies"], json!({ vote.as_str(): 2 }));
    assert!(!chair_welcome["standings"].to_string().contains("escalate"));
    // The neuroradiologist votes: quorum would be met.
    let mut radio = Ws::join(
        &app.url,
        &m.session,
        &m.specialists[radiologist].token,
        None,
    )
    .await
    .0;
    radio
        .ok(json!({"type": "cast", "vote_id": vote, "option": "escalate"}))
        .await;
    let tally = chair
        .until(|v| v["type"] == "tally" && v["cast"] == 3)
        .await;
    assert_eq!(tally["quorum"]["met"], true);
    assert_eq!(tally["quorum"]["missing_specialties"], json!([]));
    // Changing one's mind adds no voter.
    radio
        .ok(json!({"type": "cast", "vote_id": vote, "option": "continue"}))
        .await;
    let tally = chair.next_of("tally").await;
    assert_eq!(tally["cast"], 3);
    // The referrer in the room sees the count of their dossier's vote, never a ballot.
    let (_referrer, referrer_welcome) =
        Ws::join(&app.url, &m.session, &m.referrer.token, None).await;
    assert_eq!(referrer_welcome["tallies"], json!({ vote.as_str(): 3 }));
    assert_eq!(referrer_welcome["my_ballots"], json!([]));
    // Closed: a rejoiner sees no open tallies.
    chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "Escalate."}))
        .await;
    let (_late, late_welcome) =
        Ws::join(&app.url, &m.session, &m.specialists[others[0]].token, None).await;
    assert_eq!(late_welcome["tallies"], json!({}));
    assert_eq!(late_welcome["my_ballots"], json!([]));
}
