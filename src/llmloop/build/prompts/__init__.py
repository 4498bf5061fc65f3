"""The prompt registry's logic above the domain: sandboxed rendering, files, label moves."""
