//! The `consilium` command line (API.md section 1).

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, Settings};
use crate::domain::user::{NewUser, Role};
use crate::startup::{Application, open_database};

#[derive(Debug, Parser)]
#[command(
    name = "consilium",
    version,
    about = "Telexpertise case review for medical expert networks"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill an empty database with a small realistic demo and print the demo logins.
    Demo,
    /// Tamper evidence.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Export decisions as CSV, JSON or a FHIR R4 Bundle (to a file or standard output).
    Export {
        #[arg(long, value_parser = parse_format, default_value = "csv")]
        format: crate::export::Format,
        /// Only this board's decisions.
        #[arg(long)]
        board: Option<String>,
        /// From this day (2026-01-01) or RFC 3339 time.
        #[arg(long)]
        from: Option<String>,
        /// Up to this day (inclusive) or RFC 3339 time (exclusive).
        #[arg(long)]
        to: Option<String>,
        /// Write here (atomically, with a progress bar on a terminal) instead of to stdout.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// A board's yearly activity report, as JSON or as the PDF document a CRAtb files.
    Report {
        /// The board's id.
        #[arg(long)]
        board: String,
        /// The calendar year (default: the current one).
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_parser = ["json", "pdf"], default_value = "json")]
        format: String,
        /// The language of the document.
        #[arg(long, value_parser = ["fr", "en"], default_value = "fr")]
        locale: String,
        /// Write here (atomically) instead of to stdout.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

fn parse_format(s: &str) -> Result<crate::export::Format, String> {
    s.parse()
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the audit log and the decision chains; exit 1 at the first broken link.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        password: String,
        #[arg(long, value_parser = parse_role, default_value = "clinician")]
        role: Role,
        #[arg(long)]
        specialty: Option<String>,
        #[arg(long)]
        organization: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::resolve(&cli.settings)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            open_database(&config).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            name,
            password,
            role,
            specialty,
            organization,
        }) => {
            let new = NewUser::parse(
                &email,
                &name,
                &password,
                Some(role),
                specialty.as_deref(),
                organization.as_deref(),
            )?;
            let db = open_database(&config).await?;
            let user = crate::auth::create_account(&db, None, new).await?;
            println!("created {} ({}) with id {}", user.email, user.role, user.id);
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = open_database(&config).await?;
            let report = db.read(crate::db::verify::verify).await?;
            match report.broken {
                None => {
                    println!(
                        "ok: {} audit entries and {} decisions verified; audit head {} (entry {})",
                        report.audit_entries,
                        report.decisions,
                        report.audit_head,
                        report.audit_entries
                    );
                    Ok(())
                }
                Some(problem) => anyhow::bail!("BROKEN: {problem}"),
            }
        }
        Command::Export {
            format,
            board,
            from,
            to,
            out,
        } => {
            let db = open_database(&config).await?;
            crate::export::cli::run(&db, format, board, from, to, out).await
        }
        Command::Report {
            board,
            year,
            format,
            locale,
            out,
        } => {
            let db = open_database(&config).await?;
            let args = crate::export::report_cli::ReportArgs {
                board,
                year,
                pdf: format == "pdf",
                lang: crate::export::record_text::Lang::of_locale(&locale),
                out,
            };
            crate::export::report_cli::run(&db, config.timezone, args).await
        }
        Command::Demo => {
            let db = open_database(&config).await?;
            let logins = crate::demo::fill(&db).await?;
            println!(
                "demo data created; sign in with any of these (password: {}):",
                crate::demo::PASSWORD
            );
            for (email, what) in logins {
                println!("  {email:<40} {what}");
            }
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(?config, "starting");
    let app = Application::build(config).await?;
    println!("listening on {}", app.url());
    std::io::stdout().flush()?;
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
