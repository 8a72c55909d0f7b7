//! The `licplan` command: parses arguments, calls the library, maps the outcome to an exit code.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use std::io::IsTerminal;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use licplan::app::{
    self, exit, AppError, GenerateRequest, InspectRequest, PlanRequest, PreflightRequest,
    SimulateRequest, VerifyRequest,
};
use licplan::generate::{GenFormat, GenerateOptions};
use licplan::progress::Progress;
use licplan::render::Format;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (plan, simulate: safe); also when the reader of standard output stops early (`| head`)
  1  the output was not written: it could not be, or it was refused because it is an input of the run
     (a tenant export or folder, the intent, its users lists, the rules, ops or plan file: also through a
     symbolic link, `..` or a hard link), lies inside a tenant folder, is a folder or is read-only;
     generate: the folder holds files that no earlier generate wrote, and nothing was deleted
  2  unusable input: an export, ops file or argument is malformed (the message names the file, place and field)
  3  simulate: a user loses a license or a service, or a step runs out of seats (the report says where);
     plan: the simulator still finds a loss in the plan (a planner bug; the plan is written for inspection);
     verify: not ready (users pending or blocked, groups still processing);
     bundle: the bundle is written but its undo is not proven (its README says why);
     preflight: a Conditional Access policy blocks the partner, a stage needs a role it lacks, or seats run short
  4  plan, simulate, verify: NOT PROVEN: no loss found, but named checks could not run on the evidence
     read (e.g. no subscribedSkus export, paths unknown, a missing page with --allow-partial); the
     report lists each with what to export; preflight: conditional or unknown policies, or no policies or roles given
  5  verify: regressed: a user lost a license or service the plan promised to keep; stop the migration
  129, 130, 143  ended by SIGHUP, SIGINT or SIGTERM; an output being written is left as it was (its
     temporary file is removed)";

/// Plans Microsoft 365 moves from direct to group-based licensing without any user losing a license.
#[derive(Debug, Parser)]
#[command(name = "licplan", version, about, after_help = EXIT_CODES)]
struct Cli {
    /// No progress bar on stderr (it is also off when stderr is not a terminal).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// The tenant a command reads.
#[derive(Debug, Args)]
struct TenantArgs {
    /// A folder of export files, or export files (Graph JSON, PowerShell JSON, admin-center
    /// or plain CSV); several may be given.
    #[arg(required = true, value_name = "TENANT")]
    tenant: Vec<PathBuf>,
}

/// How a report is written, and how much of the tenant's exports it accepts.
#[derive(Debug, Args)]
struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Replace every UPN, display name, proxy address and object id with a stable pseudonym.
    #[arg(long)]
    redact: bool,
    /// Read exports with a missing page (a page whose @odata.nextLink has no page after it,
    /// or an @odata.count above the records read) instead of refusing them (exit 2); plan
    /// and simulate then give NOT PROVEN, with the gap listed.
    #[arg(long)]
    allow_partial: bool,
}

/// The service-plan rules of a command that simulates.
#[derive(Debug, Args)]
struct RulesArgs {
    /// Service-plan rules added to (or overriding) the bundled ones.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
}

/// What `simulate` replays: an ops file or a plan, exactly one of them.
#[derive(Debug, Args)]
struct ReplayArgs {
    /// An ops file: {"ops": [...]} in JSON or YAML.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "plan",
        required_unless_present = "plan"
    )]
    ops: Option<PathBuf>,
    /// A plan written by `licplan plan` (hand-edited or not): its actions are replayed in order.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
}

impl ReplayArgs {
    /// The file to replay. Clap has checked that exactly one was given; should that ever not
    /// hold, the answer is clap's own usage error (exit 2), never a run that did nothing.
    fn file(self) -> Result<PathBuf, clap::Error> {
        match (self.ops, self.plan) {
            (Some(f), None) | (None, Some(f)) => Ok(f),
            _ => Err(Cli::command().error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "give exactly one of --ops FILE and --plan FILE",
            )),
        }
    }
}

/// What a partner's preflight reads: `preflight`, and `plan` (its "Partner access" section).
#[derive(Debug, Args)]
struct PartnerArgs {
    /// The customer's Conditional Access policies: a Graph export (one policy, or the list
    /// under value; UTF-8 or UTF-16) or a folder of them.
    #[arg(long, value_name = "FILE|DIR")]
    conditional_access: Option<PathBuf>,
    /// The partner's tenant id.
    #[arg(long, value_name = "GUID")]
    partner_tenant: Option<String>,
    /// The partner's GDAP roles, comma-separated (e.g. 'License Administrator,Groups Administrator').
    #[arg(long, value_name = "ROLE,…", value_delimiter = ',')]
    roles: Option<Vec<String>>,
    /// How the partner makes the license calls.
    #[arg(long, value_enum, default_value_t = ViaArg::Gdap)]
    via: ViaArg,
}

impl PartnerArgs {
    fn into_request(self) -> licplan::app::PartnerRequest {
        licplan::app::PartnerRequest {
            conditional_access: self.conditional_access,
            partner_tenant: self.partner_tenant,
            roles: self.roles,
            via: self.via.into(),
        }
    }
}

/// The plan and the part of it a command works on: `bundle` and `verify`.
#[derive(Debug, Args)]
struct UnitArgs {
    /// The plan written by `licplan plan --format json|yaml --output FILE`, unedited (its
    /// plan_hash is checked).
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// The stage (verify checks it with every stage before it).
    #[arg(long, value_name = "N")]
    stage: u32,
    /// One wave of a stage that runs in waves (verify checks it with every wave before it).
    #[arg(long, value_name = "K")]
    wave: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what a tenant holds: products and seats, how users hold them, licensed groups,
    /// error states and findings.
    #[command(after_help = EXIT_CODES)]
    Inspect {
        #[command(flatten)]
        tenant: TenantArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Write the staged migration plan for an intent: groups, the five steps, product changes,
    /// waves and seat forecast, proven safe by simulation (users who cannot move safely are held
    /// back with a reason and a fix).
    #[command(after_help = EXIT_CODES)]
    Plan {
        #[command(flatten)]
        tenant: TenantArgs,
        /// The migration intent (YAML), e.g. plans/e1-to-e3.yaml.
        #[arg(long, value_name = "FILE")]
        intent: PathBuf,
        /// Write the plan to this file instead of standard output: a regular file is replaced
        /// atomically (a symbolic link is followed, and stays), a FIFO or device is written
        /// directly. Refused (exit 1) when it is an input of the run or lies inside a tenant
        /// folder, or is a folder or a read-only file.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Re-plan the stages and waves left from stage N on the --fresh export: the plan of
        /// TENANT and the intent (the one whose bundles ran) from stage N on, with the groups it
        /// created found by uniqueName, what the fresh export shows done dropped, users gone
        /// skipped, users new or changed since held back, and the rest proven again. Stages
        /// before N stay, empty.
        #[arg(long, value_name = "N", requires = "fresh")]
        from_stage: Option<u32>,
        /// The fresh export (folders or files, as TENANT), taken after the stages before
        /// --from-stage ran.
        #[arg(long, value_name = "FRESH", num_args = 1.., requires = "from_stage")]
        fresh: Vec<PathBuf>,
        /// With --conditional-access, --partner-tenant or --roles: the partner preflight of the
        /// plan (as `licplan preflight` gives it) in a "Partner access" section of the report
        /// and a condition on its verdict band.
        #[command(flatten)]
        partner: PartnerArgs,
        /// Write the report's full lists (held-back and skipped users, actions, seats) as CSV
        /// files into this folder (created if missing; never over an input).
        #[arg(long, value_name = "DIR")]
        attachments: Option<PathBuf>,
        /// Monthly prices (CSV: sku,monthly_price,currency): markdown and html add the cost.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        #[command(flatten)]
        rules: RulesArgs,
        #[command(flatten)]
        report: DocumentArgs,
    },
    /// Write a realistic synthetic tenant (E1/E3/E5 mixes, direct, inherited and dual paths,
    /// add-ons, disabled plans, missing usage locations, duplicate proxy addresses, error
    /// states, groups of 10 to 200,000 members). The same seed gives the same bytes.
    #[command(after_help = EXIT_CODES)]
    Generate {
        /// How many users.
        #[arg(long, value_name = "N")]
        users: u64,
        /// The folder to write: created, or empty, or an earlier output of `generate` (its
        /// `.licplan-generate` marker lists the files it wrote, and only those are deleted).
        /// Any other folder is refused (exit 1) and left untouched.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The export format to write.
        #[arg(long, value_enum, default_value_t = GenFormatArg::Graph)]
        format: GenFormatArg,
    },
    /// Replay operations (or a plan) on the tenant the way Microsoft Entra ID applies them, and
    /// check after every step that no user loses a license or a service and no step runs out of
    /// seats.
    #[command(after_help = EXIT_CODES)]
    Simulate {
        #[command(flatten)]
        tenant: TenantArgs,
        #[command(flatten)]
        replay: ReplayArgs,
        #[command(flatten)]
        rules: RulesArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Write one stage (or wave) of a plan as a folder to carry out: manifest.json, the fixed
    /// runners apply.ps1 and undo.ps1, Graph $batch files and a README.
    #[command(after_help = EXIT_CODES)]
    Bundle {
        #[command(flatten)]
        tenant: TenantArgs,
        #[command(flatten)]
        unit: UnitArgs,
        /// The folder to write: new, empty, or a bundle of the same plan, stage and wave.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        rules: RulesArgs,
        /// Read exports with missing pages instead of refusing them.
        #[arg(long)]
        allow_partial: bool,
        /// partner-center: also write the direct-license writes as Partner Center
        /// licenseupdates requests (partner-center/); group writes stay on Graph.
        #[arg(long, value_enum, default_value_t = TargetArg::Graph)]
        target: TargetArg,
    },
    /// Check a fresh export against what a plan's stage (or wave) must have achieved: each
    /// user done, pending, blocked, expected-conflict or regressed, the groups' processing, the
    /// users ready for the next wave, and drift since planning with the rest re-simulated.
    #[command(after_help = EXIT_CODES)]
    Verify {
        /// The fresh export, taken after the stage ran.
        #[command(flatten)]
        tenant: TenantArgs,
        #[command(flatten)]
        unit: UnitArgs,
        /// Write the report to this file instead of standard output (as for plan --output).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write the report's full lists (users, the next wave, drift) as CSV files into this
        /// folder (created if missing; never over an input).
        #[arg(long, value_name = "DIR")]
        attachments: Option<PathBuf>,
        #[command(flatten)]
        rules: RulesArgs,
        #[command(flatten)]
        report: DocumentArgs,
    },
    /// For a Microsoft partner (CSP, GDAP): check offline whether the customer's Conditional
    /// Access policies block the partner's calls (one verdict per policy, with the fix), which
    /// stages the partner's roles can run, the tokens to use, and seats (60012).
    #[command(after_help = EXIT_CODES)]
    Preflight {
        #[command(flatten)]
        tenant: TenantArgs,
        /// The plan written by `licplan plan --format json|yaml --output FILE`.
        #[arg(long, value_name = "FILE")]
        plan: PathBuf,
        #[command(flatten)]
        partner: PartnerArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Write the report to this file instead of standard output (as for plan --output).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Where a bundle's writes go (`bundle --target`).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum TargetArg {
    /// Microsoft Graph (apply.ps1).
    Graph,
    /// Also Partner Center licenseupdates for the direct-license writes.
    PartnerCenter,
}

/// How a partner makes the license calls (`preflight --via`).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ViaArg {
    /// Microsoft Graph in the customer's tenant, as a GDAP user.
    Gdap,
    /// Partner Center's licenseupdates for direct licenses; group licensing on Graph.
    PartnerCenter,
}

impl From<ViaArg> for licplan::preflight::Via {
    fn from(v: ViaArg) -> Self {
        match v {
            ViaArg::Gdap => Self::Gdap,
            ViaArg::PartnerCenter => Self::PartnerCenter,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GenFormatArg {
    Graph,
    Powershell,
    Csv,
}

impl From<GenFormatArg> for GenFormat {
    fn from(f: GenFormatArg) -> Self {
        match f {
            GenFormatArg::Graph => GenFormat::Graph,
            GenFormatArg::Powershell => GenFormat::PowerShell,
            GenFormatArg::Csv => GenFormat::Csv,
        }
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Bar {
    enabled: bool,
    bar: Option<ProgressBar>,
}

impl Bar {
    fn new(quiet: bool) -> Self {
        Bar {
            enabled: !quiet && io::stderr().is_terminal(),
            bar: None,
        }
    }
}

impl Progress for Bar {
    fn phase(&mut self, what: &str, total: u64) {
        if !self.enabled {
            return;
        }
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        let b = if total > 0 {
            ProgressBar::new(total)
        } else {
            ProgressBar::new_spinner()
        };
        b.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>24} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} ({eta})",
        ) {
            b.set_style(style);
        }
        b.set_message(what.to_owned());
        self.bar = Some(b);
    }
    fn advance(&mut self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }
    fn done(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// The formats of a report (`inspect`, `plan`, `simulate`): each renders all four, through
/// the functions of `licplan::render`. `generate` writes exports instead ([`GenFormatArg`]).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    Table,
    Json,
    Yaml,
    Markdown,
}

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Self {
        match f {
            ReportFormat::Table => Format::Table,
            ReportFormat::Json => Format::Json,
            ReportFormat::Yaml => Format::Yaml,
            ReportFormat::Markdown => Format::Markdown,
        }
    }
}

/// The formats of `plan` and `verify`: those of [`ReportFormat`] and `html`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum DocumentFormat {
    Table,
    Json,
    Yaml,
    Markdown,
    Html,
}

impl From<DocumentFormat> for Format {
    fn from(f: DocumentFormat) -> Self {
        match f {
            DocumentFormat::Table => Format::Table,
            DocumentFormat::Json => Format::Json,
            DocumentFormat::Yaml => Format::Yaml,
            DocumentFormat::Markdown => Format::Markdown,
            DocumentFormat::Html => Format::Html,
        }
    }
}

/// [`ReportArgs`] for `plan` and `verify`, whose reports also render as one HTML page.
#[derive(Debug, Args)]
struct DocumentArgs {
    /// Output format (html: one self-contained page for a change board).
    #[arg(long, value_enum, default_value_t = DocumentFormat::Table)]
    format: DocumentFormat,
    /// Replace every UPN, display name, proxy address and object id with a stable pseudonym.
    #[arg(long)]
    redact: bool,
    /// Read exports with a missing page instead of refusing them (exit 2); the verdict is then
    /// NOT PROVEN, with the gap listed.
    #[arg(long)]
    allow_partial: bool,
}

/// mimalloc instead of the system allocator: a tenant load makes millions of small allocations
/// (names, UPNs, per-user vectors) and frees them in bulk, which glibc's allocator spends up to a
/// fifth of a large run on.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`: its index in `mi_option_t` (mimalloc v3 `mimalloc.h`),
/// which mimalloc keeps stable across releases (retired options keep their slots as
/// `deprecated_*`); `libmimalloc-sys` exports no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Hands freed memory back to the system a quarter of a second after it is freed (mimalloc's own
/// default is a second). Never handing it back (as licplan did before) spared the kernel from
/// clearing pages that are reused, but left every thread's freed memory counted in the peak:
/// phases run on threads of their own (the reads, the proof's parts, the export hash), and what
/// one frees another cannot always reuse. Measured at 1,000,000 users: peak RSS of `simulate
/// --plan` 997–1,155 MB kept against 890–910 MB handed back, `verify` 1,554 against 1,474–1,513,
/// `bundle` 1,523 against 1,478, `plan` 1,340–1,367 against 1,273–1,275, for 0.3–1 s more
/// system time (BENCHMARKS.md).
fn purge_freed_memory_soon() {
    // SAFETY: `mi_option_set` is not thread-safe; this runs first thing in `main`, before any
    // thread is started. The option only changes when mimalloc returns memory to the system.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
}

/// How long freed memory is kept for reuse before it is handed back, in milliseconds.
const PURGE_DELAY_MS: std::ffi::c_long = 250;

/// On SIGINT, SIGTERM or SIGHUP, removes the temporary file of an output being written and
/// exits with 128 + the signal's number, as a shell reports a process the signal ended.
#[cfg(unix)]
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                licplan::output::remove_temp_files_then(|| std::process::exit(128 + signal));
            }
        });
}

#[cfg(not(unix))]
fn clean_up_on_signals() {}

fn main() -> ExitCode {
    purge_freed_memory_soon();
    clean_up_on_signals();
    let cli = Cli::parse();
    let mut progress = Bar::new(cli.quiet);
    let stdout = io::stdout();
    let mut out = licplan::output::PipeWatch::new(io::BufWriter::new(stdout.lock()));
    let result = match cli.command {
        Command::Inspect { tenant, report } => app::inspect(
            &InspectRequest {
                tenant: tenant.tenant,
                format: report.format.into(),
                redact: report.redact,
                allow_partial: report.allow_partial,
            },
            &mut out,
            &mut progress,
        ),
        Command::Plan {
            tenant,
            intent,
            output,
            from_stage,
            fresh,
            partner,
            attachments,
            prices,
            rules,
            report,
        } => app::plan(
            &PlanRequest {
                tenant: tenant.tenant,
                intent,
                rules: rules.rules,
                format: report.format.into(),
                output,
                attachments,
                prices,
                redact: report.redact,
                allow_partial: report.allow_partial,
                from_stage,
                fresh,
                partner: partner.into_request(),
            },
            &mut out,
            &mut progress,
        ),
        Command::Generate {
            users,
            out: dir,
            seed,
            format,
        } => app::generate(
            &GenerateRequest {
                options: GenerateOptions {
                    users,
                    seed,
                    format: format.into(),
                },
                out: dir,
            },
            &mut out,
            &mut progress,
        ),
        Command::Simulate {
            tenant,
            replay,
            rules,
            report,
        } => app::simulate(
            &SimulateRequest {
                tenant: tenant.tenant,
                ops: replay.file().unwrap_or_else(|e| e.exit()),
                rules: rules.rules,
                format: report.format.into(),
                redact: report.redact,
                allow_partial: report.allow_partial,
            },
            &mut out,
            &mut progress,
        ),
        Command::Bundle {
            tenant,
            unit: UnitArgs { plan, stage, wave },
            out: dir,
            rules,
            allow_partial,
            target,
        } => licplan::bundle::bundle(
            &licplan::bundle::BundleRequest {
                target: match target {
                    TargetArg::Graph => licplan::bundle::partner::Target::Graph,
                    TargetArg::PartnerCenter => licplan::bundle::partner::Target::PartnerCenter,
                },
                tenant: tenant.tenant,
                plan,
                stage,
                wave,
                out: dir,
                rules: rules.rules,
                allow_partial,
            },
            &mut out,
            &mut progress,
        ),
        Command::Verify {
            tenant,
            unit: UnitArgs { plan, stage, wave },
            output,
            attachments,
            rules,
            report,
        } => app::verify(
            &VerifyRequest {
                tenant: tenant.tenant,
                plan,
                target: licplan::verify::Target { stage, wave },
                rules: rules.rules,
                format: report.format.into(),
                output,
                attachments,
                redact: report.redact,
                allow_partial: report.allow_partial,
            },
            &mut out,
            &mut progress,
        ),
        Command::Preflight {
            tenant,
            plan,
            partner,
            format,
            output,
        } => app::preflight(
            &PreflightRequest {
                tenant: tenant.tenant,
                plan,
                partner: partner.into_request(),
                format: format.into(),
                output,
            },
            &mut out,
            &mut progress,
        ),
    };
    let code = match result {
        Ok(()) => exit::OK,
        // A closed pipe (`licplan inspect … | head`) is not a failure, however the error that
        // met it was wrapped.
        Err(e) if out.broken() || e.is_broken_pipe() => exit::OK,
        // The report says what went wrong; only the exit code remains to be given.
        Err(e @ AppError::Unsafe(_)) => {
            let _ = out.flush();
            e.exit_code()
        }
        Err(e) => {
            let _ = out.flush();
            #[allow(clippy::print_stderr)]
            {
                eprint!("error: {e}");
                if !e.to_string().ends_with('\n') {
                    eprintln!();
                }
            }
            e.exit_code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
