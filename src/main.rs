fn main() -> std::process::ExitCode {
    // Rule files and rules are read on worker threads, and reading a deeply
    // nested condition recurses: a roomier stack than the 2 MiB default keeps
    // debug builds (whose frames are large) from overflowing. Nesting depth
    // itself is bounded when the YAML is parsed.
    let _ = rayon::ThreadPoolBuilder::new().stack_size(16 << 20).build_global();
    mktaudit::cli_main()
}
