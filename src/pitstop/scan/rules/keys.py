"""Private keys of every PEM, OpenSSH, PGP and tool-specific kind.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import token

RULES: tuple[Rule, ...] = (
    token(
        'private-key-rsa', 'RSA private key (PEM, PKCS#1)',
        r'-----BEGIN RSA PRIVATE KEY-----\s*((?:[^-]|-[^-]){40,}?)\s*-----END RSA PRIVATE KEY-----',
        ('-----begin rsa private key-----',),
        true=(
            '-----BEGIN RSA PRI' 'VATE KEY-----\n3Ce1FQfJbg7FQQDSa/ncA3QDcJ+LfgkzXqapStb3evNxxc'
            'GTYquSkXETL3WOFQF2\n2JEgP5Uy4WRi7AvGYaBRrQ6yrfwY9FyxR58qXroKY'
            '+6a9e6xRvTSSmy7b2UxP97q\nxN/WxT8dhJ8sDE1p6Tm8acWCb9ZjfzULws+Q'
            'Ewgk==\n-----END RSA PRI' 'VATE KEY-----',
        ),
        false=(
            '-----BEGIN RSA PRI' 'VATE KEY-----\n...truncated...',
            '-----BEGIN RSA PRI' 'VATE KEY-----\n-----END RSA PRI' 'VATE KEY-----',
        ),
        window=16384,
        tags=('private-key',),
        entropy=4.5,
        stopwords=('...',),
    ),
    token(
        'private-key-dsa', 'DSA private key (PEM)',
        r'-----BEGIN DSA PRIVATE KEY-----\s*((?:[^-]|-[^-]){40,}?)\s*-----END DSA PRIVATE KEY-----',
        ('-----begin dsa private key-----',),
        true=(
            '-----BEGIN DSA PRI' 'VATE KEY-----\ncsG7stk6Xok8XFKqEFTPVRIDLi6SCvkcCbRo0I5UFX4cOt'
            'OcPIpioQ2Fu3Sqx13F\ncruWD1SbNBZ5PCL32KbxpVwaIE4MSKR5mDy6aRYgI'
            'ZhR140aMwMe8rfB66IOjRgk\np/m7KI0xPcHs4l+KVymmhw55VziCf8zGpU4/'
            'p0Ni==\n-----END DSA PRI' 'VATE KEY-----',
        ),
        false=(
            '-----BEGIN DSA PRI' 'VATE KEY-----\n...truncated...',
            '-----BEGIN DSA PRI' 'VATE KEY-----\n-----END DSA PRI' 'VATE KEY-----',
        ),
        window=16384,
        tags=('private-key',),
        entropy=4.5,
        stopwords=('...',),
    ),
    token(
        'private-key-ec', 'EC private key (PEM)',
        r'-----BEGIN EC PRIVATE KEY-----\s*((?:[^-]|-[^-]){40,}?)\s*-----END EC PRIVATE KEY-----',
        ('-----begin ec private key-----',),
        true=(
            '-----BEGIN EC PRI' 'VATE KEY-----\n8Ozh9JhUBqJXCxEv+dZ7j10iJkicd+r4zdkcv1NuJrl/9Q'
            'vRs4cC5kcUvyONZxa9\nkrVc7g3fGSsEVmwFDTWiHDVR01srO9gmS9Uc3j5pm'
            'Bv8TeN6ATqm+pRYQRWCfK8f\nplDY7dAArA4bS++PTRJp1xUHxP7pRWr4mP+A'
            'YNVu==\n-----END EC PRI' 'VATE KEY-----',
        ),
        false=(
            '-----BEGIN EC PRI' 'VATE KEY-----\n...truncated...',
            '-----BEGIN EC PRI' 'VATE KEY-----\n-----END EC PRI' 'VATE KEY-----',
        ),
        window=16384,
        tags=('private-key',),
        entropy=4.5,
        stopwords=('...',),
    ),
    token(
        'private-key-openssh', 'OpenSSH private key',
        r'-----BEGIN OPENSSH PRIVATE KEY-----\s*((?:[^-]|-[^-]){40,}?)\s*-----END OPENSSH PRIVATE KEY-----',
        ('-----begin openssh private key-----',),
        true=(
            '-----BEGIN OPENSSH PRI'
            'VATE KEY-----\nDE0RwAS6KBZRaDZG42PM/50eLEBKxNYKiYi1VX+EU2OvdS'
            '0LBQnefVb3RaTS2jin\nHQZl+r/p9qnyPNmM2J+BpUfRmrGxlQzzp1qd8UmR8'
            'QXSzGDrysyO3llOoWhaR2C2\ntyH8CWY0T7xT63J0W79hJ5LdUbL3HaV2muEt'
            'h1t+==\n-----END OPENSSH PRI' 'VATE KEY-----',
        ),
        false=(
            '-----BEGIN OPENSSH PRI' 'VATE KEY-----\n...truncated...',
            '-----BEGIN OPENSSH PRI' 'VATE KEY-----\n-----END OPENSSH PRI' 'VATE KEY-----',
        ),
        window=16384,
        tags=('private-key',),
        entropy=4.5,
        stopwords=('...',),
    ),
    token(
        'private-key-pkcs8', 'Private key (PEM, PKCS#8)',
        r'-----BEGIN PRIVATE KEY-----\s*((?:[^-]|-[^-]){40,}?)\s*-----END PRIVATE KEY-----',
        ('-----begin private key-----',),
        true=(
            '-----BEGIN PRI' 'VATE KEY-----\nYogAb6r4UvA5ygwhiASpYRm/tQ3AJcZsiWSoU4XHS//qNo'
            'aL+ouRVuCCvDY2VJUm\nyxja7sYJUrJfN7B3ico2rPVr3LVmVnmdiOPmubOHc'
            'puw+4tlE6gc0CEtk57CXhAS\nZ4ywtVTMm0k03XAFQGj1yJp36gg8G+H2Wkz5'
            'PbTT==\n-----END PRI' 'VATE KEY-----',
        ),
        false=(
            '-----BEGIN PRI' 'VATE KEY-----\n...truncated...',
            '-----BEGIN PRI' 'VATE KEY-----\n-----END PRI' 'VATE KEY-----',
        ),
        window=16384,
        tags=('private-key',),
        entropy=4.5,
        stopwords=('...',),
    ),
    token(
        'private-key-pkcs8-encrypted', 'Encrypted private key (PEM, PKCS#8)',
        r'-----BEGIN ENCRYPTED PRIVATE KEY-----\s*((?:[^-]|-[^-]){40,}?)\s*-----END ENCRYPTED PRIVATE KEY-----',  # noqa: E501
        ('-----begin encrypted private key-----',),
        true=(
            '-----BEGIN ENCRYPTED PRI'
            'VATE KEY-----\nLjjtAPCDoT+YxFqxN0fyZI/lidW4x5YP62c13RrjsmyJtt'
            'b+26WMPpI2Rz9Q9zYZ\nEJ8fl46tx20dlXYYt4X0RVlLu08dziNDrs3cpZSys'
            '1N0YFzGqzW/LopEnIeWPeaN\nnKjJU+yDE4qZsLk6rkrHBYiYV4L8dSycVVKi'
            'aEZP==\n-----END ENCRYPTED PRI' 'VATE KEY-----',
        ),
        false=(
            '-----BEGIN ENCRYPTED PRI' 'VATE KEY-----\n...truncated...',
            '-----BEGIN ENCRYPTED PRI' 'VATE KEY-----\n-----END ENCRYPTED PRI' 'VATE KEY-----',
        ),
        window=16384,
        tags=('private-key',),
        entropy=4.5,
        stopwords=('...',),
    ),
    token(
        'private-key-pgp', 'PGP / GnuPG private key block',
        r'-----BEGIN PGP PRIVATE KEY BLOCK-----\s*((?:[^-]|-[^-]){40,}?)\s*-----END PGP PRIVATE KEY BLOCK-----',  # noqa: E501
        ('-----begin pgp private key block-----',),
        true=(
            '-----BEGIN PGP PRI' 'VATE KEY BLOCK-----\nhPmgxcbJyKVI8V2peSafrgjKMvx8G8dOC7aAk7j9'
            'mfkCMMDIXeTWylC9PulOWS7k\n+m1QKxcn7YGVwRqQlz+tBhEUr42bC6UjDYv'
            'caWfHFieqUaindc28qcknv/Qjv2Lm\nTeUZUUx/HwMO+8R/RfIdT1wUt1PIB7'
            'MuMvxrIXsU==\n-----END PGP PRI' 'VATE KEY BLOCK-----',
        ),
        false=(
            '-----BEGIN PGP PRI' 'VATE KEY BLOCK-----\n...truncated...',
            '-----BEGIN PGP PRI' 'VATE KEY BLOCK-----\n-----END PGP PRI' 'VATE KEY BLOCK-----',
        ),
        window=16384,
        tags=('private-key',),
        entropy=4.5,
        stopwords=('...',),
    ),
    token(
        'private-key-ssh2-encrypted', 'SSH2 (RFC 4716) encrypted private key',
        r'-----BEGIN SSH2 ENCRYPTED PRIVATE KEY-----\s*((?:[^-]|-[^-]){40,}?)\s*-----END SSH2 ENCRYPTED PRIVATE KEY-----',  # noqa: E501
        ('-----begin ssh2 encrypted private key-----',),
        true=(
            '-----BEGIN SS' 'H2 ENCRYPTED PRI'
            'VATE KEY-----\nkKqDnCzklqCvv5XApVT5+A1zRclAFI7XByx+4UnTTw2tWB'
            'lzGX0tM3hMho7dY37N\npDkvQGLFidMq8uRx+Q/HmBT6PhnglmhAJiQvsuES8'
            'DlA/hWYWS9Do75++6JUAAIh\nG+jlOwCFr52uOj2nMrfBdHEFHyhnylLmfxCS' 'SqET==\n-----END SS'
            'H2 ENCRYPTED PRI' 'VATE KEY-----',
        ),
        false=(
            '-----BEGIN SS' 'H2 ENCRYPTED PRI' 'VATE KEY-----\n...truncated...',
            '-----BEGIN SS' 'H2 ENCRYPTED PRI' 'VATE KEY-----\n-----END SS' 'H2 ENCRYPTED PRI'
            'VATE KEY-----',
        ),
        window=16384,
        tags=('private-key',),
        entropy=4.5,
        stopwords=('...',),
    ),
    token(
        'private-key-ssh2-commercial', 'SSH.com / Tectia private key',
        r'---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\s*((?:[^-]|-[^-]){40,}?)\s*---- END SSH2 ENCRYPTED PRIVATE KEY ----',  # noqa: E501
        ('---- begin ssh2 encrypted private key ----',),
        true=(
            '---- BEGIN SS' 'H2 ENCRYPTED PRI'
            'VATE KEY ----\nLssOq8mWLli3iLZNDxcTayeREyKE+kHN5kpf3JKf8a9nXp'
            'sYioJpGIwheK0hVqcH\nsgceFNTKVBjJquIbKVTT5JK4Gef6aIj+nfWiGN0Kp'
            'pkFwst7W7HHmsYdIzl1b5E5\n---- END SS' 'H2 ENCRYPTED PRI' 'VATE KEY ----',
        ),
        false=('---- BEGIN SS' 'H2 ENCRYPTED PRI' 'VATE KEY ----',),
        window=16384,
        tags=('private-key',),
    ),
    token(
        'private-key-putty', 'PuTTY private key file (.ppk)',
        r'PuTTY-User-Key-File-[23]:[^\n]*\n[\s\S]{0,1000}?Private-Lines:\s*\d+\s*\n([A-Za-z0-9+/=\n]{40,})',
        ('putty-user-key-file-',),
        true=(
            'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment:'
            ' deploy\nPublic-Lines: 2\nvTbhUjoYEItZZiMh53fRF4pDVXhyFEHl/0py'
            'mW6HCgGa9EBJio2Izpz5arluhY'
            'pW\njFhb\nPrivate-Lines: 1\nuecaroFalaqSO09/IKyg7uSzaurWTO1WlOR'
            'MeeDecbmz\nPrivate-MAC: 0feb94f7183c73694dd4055f9b60d195d39a8'
            'b6c6b6f7d611f97891eb61848ac',
        ),
        false=('PuTTY-User-Key-File-3: ss' 'h-ed25519\nPublic-Lines: 2',),
        window=8192,
        tags=('private-key',),
    ),
    token(
        'age-secret-key', 'age encryption secret key',
        r'\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b',
        ('age-secret-key-1',),
        true=('AGE-SECRET-KEY-133RHU0QQWG640X7QQS467' 'U6VGJ05FD4FUFUQZ8728Z3L4D3PDJAQR3L5W2',),
        false=('AGE-SECRET-KEY-1Q' 'PZRY9X8GF2TVDW0S3',),
        tags=('private-key',),
    ),
    token(
        'wireguard-private-key', 'WireGuard private key',
        r'(?i)PrivateKey\s*=\s*([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)',
        ('privatekey',),
        true=('[Interface]\nPrivateKey = g/U5KJKYH' '0rRnP0rvCfjenvhv48thaKG7WdqkyDZJxA=',),
        false=('PrivateKey = 9YRO' '6MtQU8Ld+YEIEk5d=',),
        tags=('private-key',),
    ),
    token(
        'kubeconfig-client-key', 'Client key data in a kubeconfig',
        r'client-key-data:\s*([A-Za-z0-9+/]{100,}={0,2})',
        ('client-key-data',),
        true=(
            '    client-key-data: mFClQB1bIPB3RpPeTuDu0emW3CmwogKmaWInjMS'
            'X5zcaSPc7Ex7FTUzFJVSQcTmIs86Sohhq/+ePTHlX6eYXjg12n'
            '1plIjHVYg00ZfiC21T+/D207ZuC6cn6APvC/YUzl3p6Yhbo8Cj1y5vz26HWQ'
            'cKQT/tKUaXTSY6skKe2WBfyk5odLn3yTgBd9/MbwNWHGddtnetX',
        ),
        false=('    client-key' '-data: REDACTED',),
        tags=('private-key',),
    ),
    token(
        'crypto-wallet-private-key', 'Hex private key (Ethereum and other wallets)',
        r'''(?i)private[_\-]?key[\w.\-]{0,16}[\"']?\s*[:=]\s*[\"']?0x([a-f0-9]{64})\b''',
        ('private',),
        true=(
            'PRI' 'VATE_KEY="0xa158b40bdb01e81284e56e5baa274711f28c9fb7cdfcf0a6'
            'eee842ee17b79bae"',
        ),
        false=('PRI' 'VATE_KEY="0x7bec7a1830a13c8a5ca8faf2e9996d"',),
        entropy=3.0,
    ),
)
