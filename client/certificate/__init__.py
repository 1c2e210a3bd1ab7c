"""Certificate signatures: the signed QR payload and the public keys it is checked against."""
