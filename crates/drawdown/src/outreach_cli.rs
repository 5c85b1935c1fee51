//! The command line for outreach.

use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// (Being built: see docs/outreach.md.)
    #[command(hide = true, name = "outreach-pending")]
    Pending,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// (Being built: see docs/benchmarks.md.)
    #[command(hide = true, name = "outreach-pending")]
    Pending,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Pending => Ok(()),
    }
}

pub async fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Pending => Ok(()),
    }
}
