"""The access log (照会・操作・印刷ログ): the hash chain, the batched writer, and the terminals' uploaded BCP logs."""
