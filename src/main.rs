fn main() -> std::process::ExitCode {
    mktaudit::cli::main()
}
