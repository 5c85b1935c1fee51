//! The command line for accountability.

use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// (Being built: see docs/accountability.md.)
    #[command(hide = true, name = "accountability-pending")]
    Pending,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// (Being built: see docs/benchmarks.md.)
    #[command(hide = true, name = "accountability-pending")]
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
