//! `consilium demo`: a small, realistic network to try the service with.

use chrono::Datelike;

use crate::auth::create_account;
use crate::db::Db;
use crate::db::{audit, boards, sessions, templates, users};
use crate::domain::board::{BoardRole, NewBoard, QuorumRule};
use crate::domain::dossier::{DossierContent, Patient, Sex, Urgency};
use crate::domain::user::{NewUser, Role};
use crate::error::{AppError, AppResult};
use crate::usecase;

/// The password of every demo account.
pub const PASSWORD: &str = "consilium-demo";

struct DemoUser {
    email: &'static str,
    name: &'static str,
    role: Role,
    specialty: Option<&'static str>,
    organization: &'static str,
    what: &'static str,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        email: "admin@demo.consilium.test",
        name: "Camille Admin",
        role: Role::Admin,
        specialty: None,
        organization: "Consilium",
        what: "administrator",
    },
    DemoUser {
        email: "coord.sep@demo.consilium.test",
        name: "Dr Hélène Marchand",
        role: Role::Clinician,
        specialty: Some("Neurology"),
        organization: "CHU Lyon",
        what: "coordinator, CRC SEP board",
    },
    DemoUser {
        email: "neuroradio@demo.consilium.test",
        name: "Dr Paul Girard",
        role: Role::Clinician,
        specialty: Some("Neuroradiology"),
        organization: "CHU Lyon",
        what: "member, CRC SEP board",
    },
    DemoUser {
        email: "neuro2@demo.consilium.test",
        name: "Dr Inès Benali",
        role: Role::Clinician,
        specialty: Some("Neurology"),
        organization: "CHU Grenoble",
        what: "member, CRC SEP board",
    },
    DemoUser {
        email: "ophtalmo@demo.consilium.test",
        name: "Dr Marc Lefèvre",
        role: Role::Clinician,
        specialty: Some("Ophthalmology"),
        organization: "CHU Lyon",
        what: "member, CRC SEP board",
    },
    DemoUser {
        email: "coord.crioac@demo.consilium.test",
        name: "Dr Sophie Roux",
        role: Role::Clinician,
        specialty: Some("Infectious diseases"),
        organization: "Hospices Civils de Lyon",
        what: "coordinator, bone-and-joint infection board",
    },
    DemoUser {
        email: "ortho@demo.consilium.test",
        name: "Dr Julien Petit",
        role: Role::Clinician,
        specialty: Some("Orthopaedic surgery"),
        organization: "Hospices Civils de Lyon",
        what: "member, bone-and-joint infection board",
    },
    DemoUser {
        email: "microbio@demo.consilium.test",
        name: "Dr Claire Dubois",
        role: Role::Clinician,
        specialty: Some("Microbiology"),
        organization: "Hospices Civils de Lyon",
        what: "member, bone-and-joint infection board",
    },
    DemoUser {
        email: "referrer@demo.consilium.test",
        name: "Dr Antoine Morel",
        role: Role::Clinician,
        specialty: Some("Neurology"),
        organization: "CH Bourg-en-Bresse",
        what: "referring physician",
    },
];

/// Fills an empty database; refuses one that already has accounts. Returns the logins.
pub async fn fill(db: &Db) -> AppResult<Vec<(&'static str, &'static str)>> {
    if db.read(users::count).await? > 0 {
        return Err(AppError::conflict(
            "the database already holds accounts; the demo only fills an empty database",
        ));
    }
    let mut ids = Vec::new();
    for u in USERS {
        let new = NewUser::parse(
            u.email,
            u.name,
            PASSWORD,
            Some(u.role),
            u.specialty,
            Some(u.organization),
        )?;
        ids.push(create_account(db, None, new).await?.id);
    }
    db.write(move |conn| {
        let sep = boards::insert(
            conn,
            &NewBoard::parse(
                "CRC SEP — multiple sclerosis board",
                Some("Weekly multidisciplinary review of multiple-sclerosis cases referred by the regional network."),
                Some(QuorumRule::parse(3, 2, &["Neurology".into(), "Neuroradiology".into()])?),
            )?,
        )?;
        let crioac = boards::insert(
            conn,
            &NewBoard::parse(
                "CRIOAc — bone-and-joint infection board",
                Some("Reference centre for complex bone and joint infections."),
                Some(QuorumRule::parse(
                    3,
                    3,
                    &["Infectious diseases".into(), "Orthopaedic surgery".into(), "Microbiology".into()],
                )?),
            )?,
        )?;
        let cratb = boards::insert(
            conn,
            &NewBoard::parse(
                "CRAtb — antibiotic stewardship centre",
                Some("Regional advice on antibiotic therapy, traced and counted for the yearly report."),
                Some(QuorumRule::parse(1, 1, &[])?),
            )?,
        )?;
        // Each board's template, written by its first coordinator (the admin for the CRAtb).
        for (board, template, by) in [
            (&sep.id, crate::demo_templates::multiple_sclerosis()?, &ids[1]),
            (&crioac.id, crate::demo_templates::bone_and_joint_infection()?, &ids[5]),
            (&cratb.id, crate::demo_templates::antibiotic_stewardship()?, &ids[0]),
        ] {
            templates::insert(conn, board, &template, by)?;
        }
        let members = [
            (&cratb.id, 1, BoardRole::Coordinator),
            (&sep.id, 1, BoardRole::Coordinator),
            (&sep.id, 2, BoardRole::Member),
            (&sep.id, 3, BoardRole::Member),
            (&sep.id, 4, BoardRole::Member),
            (&crioac.id, 5, BoardRole::Coordinator),
            (&crioac.id, 6, BoardRole::Member),
            (&crioac.id, 7, BoardRole::Member),
        ];
        for (board, user, role) in members {
            boards::put_member(conn, board, &ids[user], role)?;
        }
        let referrer = users::by_id(conn, &ids[8])?.ok_or_else(|| AppError::not_found("user"))?;
        let cases = [
            (&sep.id, "Relapsing MS under first-line therapy: escalate?", "SEP-LY-0147", 1991, Sex::Female,
             "Two relapses in 12 months and three new T2 lesions under teriflunomide. Escalate to a high-efficacy therapy, and which one?", true,
             serde_json::json!({"edss": 2.5, "course": "RR", "current_dmt": "tériflunomide", "relapses_12m": 2, "new_lesions": true})),
            (&sep.id, "Atypical demyelinating lesions, MS or MOGAD?", "SEP-LY-0152", 1978, Sex::Male,
             "Longitudinally extensive myelitis with conus involvement. Is the diagnosis of MS compatible, or should MOG antibodies be retested?", true,
             serde_json::json!({"edss": 4.0, "course": "CIS", "current_dmt": "aucun", "relapses_12m": 1, "new_lesions": false})),
            (&crioac.id, "Prosthetic knee infection 3 months after revision", "OS-BB-0031", 1956, Sex::Male,
             "Early post-operative infection with Staphylococcus epidermidis: DAIR or two-stage exchange?", false,
             serde_json::json!({"site": "genou", "implant": true, "implant_age_months": 3, "organisms": "Staphylococcus epidermidis"})),
        ];
        let mut submitted = Vec::new();
        for (board, title, pseudonym, year, sex, question, submit, fields) in cases {
            let fields = fields.as_object().cloned().unwrap_or_default();
            let content = DossierContent {
                title: title.to_string(),
                patient: Patient { pseudonym: pseudonym.to_string(), birth_year: Some(year), sex: Some(sex) },
                question: question.to_string(),
                history: String::new(),
                urgency: Urgency::Routine,
                consent: submit,
            };
            let id = usecase::dossiers::create(conn, &referrer, board, &content, &fields)?.value.record.row.id;
            if submit {
                usecase::dossiers::submit(conn, &referrer, &id)?;
                submitted.push(id);
            }
        }
        // A meeting planned for next Tuesday at 16:30 UTC, with the first case on its agenda.
        let coordinator = users::by_id(conn, &ids[1])?.ok_or_else(|| AppError::not_found("user"))?;
        let today = chrono::Utc::now().date_naive();
        let days = (7 + 1 - i64::from(today.weekday().num_days_from_monday())) % 7;
        let tuesday = today + chrono::Duration::days(if days == 0 { 7 } else { days });
        let session = crate::usecase::sessions::create(
            conn,
            &coordinator,
            &sep.id,
            &sessions::NewSession {
                title: "CRC SEP weekly board".to_string(),
                scheduled_at: tuesday.and_hms_opt(16, 30, 0).unwrap_or_default(),
                video_url: Some("https://visio.example.org/crc-sep-weekly".to_string()),
                duration_minutes: 90,
            },
        )?;
        if let Some(first) = submitted.first() {
            crate::usecase::sessions::add_to_agenda(
                conn,
                &coordinator,
                &session.value.record.row.id,
                first,
            )?;
        }
        audit::record(conn, audit::Audit {
            actor_id: None,
            action: "demo.fill",
            object_type: "database",
            object_id: None,
            detail: serde_json::json!({}),
        })?;
        Ok(())
    })
    .await?;
    Ok(USERS.iter().map(|u| (u.email, u.what)).collect())
}
