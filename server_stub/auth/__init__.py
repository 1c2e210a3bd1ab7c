"""Who is calling: staff sign-in, passwords, terminal request signatures and the terminal standing (revocation)."""
