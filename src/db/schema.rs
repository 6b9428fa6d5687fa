//! Tables, with portable types only (see migrations/sqlite and migrations/postgres).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_key -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        specialty -> Nullable<Text>,
        organization -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        mail_preference -> Text,
        calendar_key -> Nullable<Text>,
        locale -> Text,
        external_id -> Nullable<Text>,
    }
}

diesel::table! {
    pacs_imports (id) {
        id -> Text,
        dossier_id -> Text,
        requested_by -> Text,
        status -> Text,
        instances_done -> BigInt,
        instances_total -> BigInt,
        bytes -> BigInt,
        attachment_ids -> Text,
        error -> Nullable<Text>,
        runner -> Text,
        heartbeat_at -> Timestamp,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_logins (state_hash) {
        state_hash -> Text,
        browser_hash -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        return_to -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    oidc_codes (code_hash) {
        code_hash -> Text,
        user_id -> Text,
        return_to -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    auth_tokens (id) {
        id -> Text,
        user_id -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        chain_id -> Nullable<Text>,
        signed_in_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    boards (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        min_voters -> Integer,
        min_specialties -> Integer,
        required_specialties -> Text,
        created_at -> Timestamp,
        show_ballots_to_referrer -> Bool,
        follow_up_days -> Integer,
    }
}

diesel::table! {
    follow_ups (decision_id) {
        decision_id -> Text,
        dossier_id -> Text,
        board_id -> Text,
        referrer_id -> Text,
        due_at -> Timestamp,
        notified_at -> Nullable<Timestamp>,
        applied -> Nullable<Text>,
        reason -> Nullable<Text>,
        outcome_note -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    board_templates (board_id, version) {
        board_id -> Text,
        version -> Integer,
        body -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    board_members (board_id, user_id) {
        board_id -> Text,
        user_id -> Text,
        role -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    dossiers (id) {
        id -> Text,
        reference -> Text,
        board_id -> Text,
        referrer_id -> Text,
        title -> Text,
        patient_pseudonym -> Text,
        patient_birth_year -> Nullable<Integer>,
        patient_sex -> Nullable<Text>,
        question -> Text,
        history -> Text,
        urgency -> Text,
        consent -> Bool,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        fields -> Text,
        template_version -> Nullable<Integer>,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<Text>,
        detail -> Text,
        previous_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        dossier_id -> Text,
        uploader_id -> Text,
        filename -> Text,
        content_type -> Text,
        kind -> Text,
        size -> BigInt,
        sha256 -> Text,
        object_key -> Text,
        deidentified -> Bool,
        dicom -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(attachments -> dossiers (dossier_id));
diesel::joinable!(auth_tokens -> users (user_id));
diesel::joinable!(board_members -> boards (board_id));
diesel::joinable!(board_members -> users (user_id));
diesel::joinable!(dossiers -> boards (board_id));
diesel::joinable!(dossiers -> users (referrer_id));

diesel::table! {
    sessions (id) {
        id -> Text,
        board_id -> Text,
        title -> Text,
        scheduled_at -> Timestamp,
        video_url -> Nullable<Text>,
        status -> Text,
        last_seq -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        duration_minutes -> Integer,
        published_at -> Nullable<Timestamp>,
        sequence -> Integer,
    }
}

diesel::table! {
    board_schedules (board_id) {
        board_id -> Text,
        weekday -> Text,
        local_time -> Text,
        duration_minutes -> Integer,
        title -> Nullable<Text>,
        video_url -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        subject -> Text,
        link -> Text,
        dossier_id -> Nullable<Text>,
        session_id -> Nullable<Text>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        mail -> Text,
        digest -> Bool,
        mail_due_at -> Nullable<Timestamp>,
        mail_attempts -> Integer,
        mail_error -> Nullable<Text>,
        mailed_at -> Nullable<Timestamp>,
        calendar -> Nullable<Text>,
        facts -> Text,
    }
}

diesel::table! {
    agenda_items (session_id, dossier_id) {
        session_id -> Text,
        dossier_id -> Text,
        position -> Integer,
        added_at -> Timestamp,
    }
}

diesel::table! {
    room_events (session_id, seq) {
        session_id -> Text,
        seq -> BigInt,
        kind -> Text,
        author_id -> Text,
        at -> Timestamp,
        payload -> Text,
        dossier_id -> Nullable<Text>,
    }
}

diesel::table! {
    votes (id) {
        id -> Text,
        session_id -> Text,
        dossier_id -> Text,
        proposal -> Text,
        options -> Text,
        status -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        opened_seq -> BigInt,
        closed_at -> Nullable<Timestamp>,
        closed_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    ballots (vote_id, voter_id) {
        vote_id -> Text,
        voter_id -> Text,
        option -> Text,
        comment -> Nullable<Text>,
        cast_at -> Timestamp,
    }
}

diesel::table! {
    decisions (id) {
        id -> Text,
        board_id -> Text,
        dossier_id -> Text,
        session_id -> Text,
        vote_id -> Text,
        status -> Text,
        outcome -> Nullable<Text>,
        decided_at -> Timestamp,
        decided_by -> Text,
        chain_seq -> BigInt,
        previous_hash -> Text,
        hash -> Text,
        body -> Text,
    }
}

diesel::table! {
    object_uploads (object_key) {
        object_key -> Text,
        upload_id -> Nullable<Text>,
        instance_id -> Text,
        started_at -> Timestamp,
    }
}

diesel::table! {
    room_requests (session_id, user_id, request_id) {
        session_id -> Text,
        user_id -> Text,
        request_id -> Text,
        seq -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    instances (id) {
        id -> Text,
        started_at -> Timestamp,
        heartbeat_at -> Timestamp,
    }
}

diesel::table! {
    room_presence (connection_id) {
        connection_id -> Text,
        session_id -> Text,
        user_id -> Text,
        role -> Text,
        instance_id -> Text,
        joined_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> boards (board_id));
diesel::joinable!(agenda_items -> sessions (session_id));
diesel::joinable!(agenda_items -> dossiers (dossier_id));
diesel::joinable!(room_events -> sessions (session_id));
diesel::joinable!(board_schedules -> boards (board_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(votes -> sessions (session_id));
diesel::joinable!(ballots -> votes (vote_id));
diesel::joinable!(ballots -> users (voter_id));
diesel::joinable!(decisions -> votes (vote_id));
diesel::joinable!(room_presence -> users (user_id));
diesel::joinable!(room_presence -> instances (instance_id));

diesel::joinable!(board_templates -> boards (board_id));

diesel::joinable!(follow_ups -> dossiers (dossier_id));
diesel::joinable!(follow_ups -> decisions (decision_id));

diesel::joinable!(oidc_codes -> users (user_id));

diesel::joinable!(pacs_imports -> dossiers (dossier_id));

diesel::allow_tables_to_appear_in_same_query!(
    pacs_imports,
    oidc_logins,
    oidc_codes,
    board_templates,
    follow_ups,
    board_schedules,
    notifications,
    object_uploads,
    users,
    auth_tokens,
    boards,
    board_members,
    dossiers,
    counters,
    audit_log,
    sessions,
    agenda_items,
    room_events,
    votes,
    ballots,
    decisions,
    room_requests,
    instances,
    room_presence,
    attachments,
);
