"""Payments, commerce and crypto exchanges.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'stripe-secret-key', 'Stripe secret or restricted key',
        r'\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,247})\b',
        ('sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'),
        true=(
            'sk_live_Tez3QkQMftct5KJyR7bCTSFmO6MncADhL6kvjFoRCMs1X'
            'iXtYzPB8cHx6dVNzsS5uAUOTyNxNJhGmFu4zaCM74y2j3EgISN6Ydl',
        ),
        false=('sk_live_VT' '6IK7ZY7WV3',),
    ),
    token(
        'stripe-webhook-secret', 'Stripe webhook signing secret',
        r'\b(whsec_[A-Za-z0-9]{32,})\b',
        ('whsec_',),
        true=('whsec_jnrc4xE9eBYVy' 'TwRsx39xACgVgttX97q',),
        false=('whsec_8Eg' '7uQcrKD02',),
    ),
    token(
        'braintree-access-token', 'PayPal Braintree access token',
        r'\b(access_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32})\b',
        ('access_token$',),
        true=('access_token$production$jgw8dx4yusir' '1uss$5999b3ffb12ac52e823e1b5ab0ca492c',),
        false=('access_token$product' 'ion$sui2d2ufei16y5ci$',),
    ),
    keyed(
        'paypal-client-secret', 'PayPal REST client secret',
        ('paypal',), r'E[A-Za-z0-9_\-]{79}',
        true=(
            'PAYPAL_API_KEY = "EqlWyjpvFskKJPw7raMPnAmkz-Ntlmr'
            'zJjROBJX7g7ea41JG7ML3AYO2C37iQ2uG93TtDe99GnGJaSz9"',
            'paypal_token: E-V8vy-mPg_mbeWMZGMGIbYtEvcjLvlg6'
            '7EUmhIXUJHB1zw-ru-zq6fH3EBniGQ5TxdpGrP34JMRpCwZ',
        ),
        false=(
            'request_id = "Evu7JfiCzb_BKfqwu6bvrpx4XLIsft9-o'
            'm-PnhLk-m1bfl_VZbRzwCy1N_UNfCG_LwHkWOUqW1FYh8hI"',
            'paypal_key = "EMQJNL1m7Nk9r' 'RbUFUnb-wFr9TEtcfTxe9NPZJsR"',
        ),
    ),
    token(
        'square-access-token', 'Square access token',
        r'\b((?:EAAA|sq0atp-)[A-Za-z0-9_\-]{22,60})\b',
        ('eaaa', 'sq0atp-'),
        true=('EAAAH2-K8jOliSpenz72D3xqzDp0AYvB' 'pYheN_zqYphvEKXBi1mgQsykLNI2mk2R',),
        false=('EAAACHo' 'QNCnpoa',),
        entropy=3.5,
    ),
    token(
        'square-oauth-secret', 'Square OAuth application secret',
        r'\b(sq0csp-[A-Za-z0-9_\-]{43})\b',
        ('sq0csp-',),
        true=('sq0csp-AZorZ_dADpfr5qb7iN' 'yVGnH_kzxsfIArFHMpSaMKXiA',),
        false=('sq0csp-Jq' '9IClVuo-dH',),
    ),
    keyed(
        'adyen-api-key', 'Adyen API key',
        ('adyen',), r'AQE[A-Za-z0-9_+=\-]{100,}',
        true=(
            'ADYEN_API_KEY = "AQELD4PFg0uVJZkvgmaRaulpMfO_LVyfkZP24dW13_R'
            'vAoi0Zj-GLhRVXeAWjObNrb2e'
            '-aKS6Nr72DdaEepeHHeD_qyKP5s_l8PVdXV48enPS8yiCEtnWeWIJkz-4e6c'
            '7txvBZTWYIupYFwcNX4yVQ8KZ"',
            'adyen_token: AQE2tf7p7PpLqoyqv6cxSOq0WdUvS9x2MybqN_EvFXjP9vK'
            'cZKlcTXSnk7Q1tPCOmLPF3e'
            '8Wqk_-bNhW1N2sqMJ5c7RJ2HDgl6-6dpFUd7FhrJPsrS2z0MSicDXpiH9k1p'
            'qrIvnIQNsN6G7_B6vFWnBXv',
        ),
        false=(
            'request_id = "AQEdFvdqc3C_DXn_n91krOG6wI9XTyYrcMOjeBi0nYP2Ly'
            'sO7fn_srnqvH1_l8h6c1lr4J'
            '1Mwpv0T48ETnU16Xni38Tlr2O9KLDgviAZ6LKaS_wX4xEhGh17vjggO70XAX'
            'Oc_syyMpcok5JSLfN6NkOGD"',
            'adyen_key = "AQEVO1FgbI0uxFB2xUWgtMZR0o2mA9eVB'
            'ECVfhBSrIUdeSef6US_c9uFH3kvbUcowm5zjFdhuFIzDQ"',
        ),
    ),
    token(
        'razorpay-key', 'Razorpay API key ID',
        r'\b(rzp_(?:live|test)_[A-Za-z0-9]{14})\b',
        ('rzp_live_', 'rzp_test_'),
        true=('rzp_live_zI' 'cdIKGDbB2FX1',),
        false=('rzp_liv' 'e_QQgB2m',),
    ),
    keyed(
        'razorpay-secret', 'Razorpay API key secret',
        ('razorpay',), r'[A-Za-z0-9]{24}',
        true=(
            'RAZORPAY_API_KEY = "vk' '78bzYLVmRnhqsgcrGj5xP2"',
            'razorpay_token: NaYK' 'OnVC0A32yWdd7cAUZr0j',
        ),
        false=('request_id = "ZuwLw' 'RtLOIJUkqWWljzlw2K3"', 'razorpay_key =' ' "oTC1pn9k2uVW"',),
    ),
    token(
        'paystack-secret-key', 'Paystack secret key',
        r'\b(sk_(?:live|test)_[a-f0-9]{40})\b',
        ('sk_live_', 'sk_test_'),
        true=('sk_test_e4410705366838c2' 'dd3d34156a163618a6375ed8',),
        false=('sk_test_d7' 'e02171497a',),
    ),
    token(
        'flutterwave-secret-key', 'Flutterwave secret key',
        r'\b(FLWSECK(?:_TEST)?-[a-f0-9]{32}-X)',
        ('flwseck',),
        true=('FLWSECK_TEST-fd16f271d5' 'fd083c8e46f919a32f59ae-X',),
        false=('FLWSECK_TEST-' 'c0217863a4b2-X',),
    ),
    token(
        'flutterwave-encryption-key', 'Flutterwave encryption key',
        r'\b(FLWSECK_TEST[a-f0-9]{12})\b',
        ('flwseck_test',),
        true=('FLWSECK_TEST' 'df88d37f8b4d',),
        false=('FLWSECK_T' 'ESTd20703',),
    ),
    keyed(
        'mollie-api-key', 'Mollie API key',
        ('mollie',), r'(?:live|test)_[A-Za-z0-9]{30}',
        true=(
            'MOLLIE_API_KEY = "live_247V' 'FslIBAi3bSY5FBw0Camwoc05Zc"',
            'mollie_token: live_nPqGO' '8Jcxz3jNCrvAIqd8P6Y5eM5dJ',
        ),
        false=(
            'request_id = "live_XLAuSd' '3vXfjxSksocIBFDhZtzg4Tmi"',
            'mollie_key = "liv' 'e_LXX62uZCYJfPYuk"',
        ),
    ),
    keyed(
        'gocardless-token', 'GoCardless access token',
        ('gocardless',), r'live_[A-Za-z0-9_\-=]{40}',
        true=(
            'GOCARDLESS_API_KEY = "live_9qlWiga' 'YrAWhVoHgM56ObB5CGLpfHxMh4INLZH_0"',
            'gocardless_token: live_W_mj2YaN' 'IsVXDp3Ag5eogs6IgTkOoPWQjctSgeHA',
        ),
        false=(
            'request_id = "live__yPsdtrq77M' 'ShbtgpcwJZ4uKXx35xYqGHdZiXJjK"',
            'gocardless_key = "live' '__mUIF5UFMoj41SkYbEok"',
        ),
    ),
    keyed(
        'coinbase-api-secret', 'Coinbase API secret',
        ('coinbase',), r'[A-Za-z0-9_\-]{64}',
        true=(
            'COINBASE_API_KEY = "iCTXkz_g-FEzWCwGyQJ-Rv'
            '-gWivAMK2Umz2v6QRKleXfL1NFydmUvqeUIX644EgH"',
            'coinbase_token: fdYIegN2wSO7lH_yDVdcuVfS' '6iRm3w6RFOCGRpalkT0dKXA4x7HAQxZztZ0Htkj5',
        ),
        false=(
            'request_id = "cQ7AqBe4W0t0i4MtLg-08JbV9' 'KP--Nzc4OYl5JQa-mpHg23ZGJ27pkLcD_rtIPm6"',
            'coinbase_key = "-0vPbd7D' '4WM11IwUg7IIS9dJ0_V5gL2Z"',
        ),
    ),
    token(
        'plaid-access-token', 'Plaid access token',
        r'\b(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b',
        ('access-sandbox-', 'access-development-', 'access-production-'),
        true=('access-production-14f434a5-' 'abcc-caaf-7dd6-aea68a6d7d1c',),
        false=('access-produc' 'tion-055f9712',),
    ),
    keyed(
        'plaid-secret', 'Plaid secret',
        ('plaid',), r'[a-f0-9]{30}',
        true=(
            'PLAID_API_KEY = "c19df4b' '125cb21749e53c5a7f2642b"',
            'plaid_token: a57afaf7' '9f3e8a4f18ef4314cff2f4',
        ),
        false=(
            'request_id = "b4152962' 'bacdfa92fc0e7c47c7d8a2"',
            'plaid_key = "f' '252743f23c2e37"',
        ),
    ),
    token(
        'shopify-access-token', 'Shopify access token',
        r'\b(shp(?:at|ca|pa)_[a-fA-F0-9]{32})\b',
        ('shpat_', 'shpca_', 'shppa_'),
        true=('shpat_72ee9d808cac3' '68926447cc1e761fa2c',),
        false=('shpat_31c24' '36ef76c4e94',),
    ),
    token(
        'shopify-shared-secret', 'Shopify app shared secret',
        r'\b(shpss_[a-fA-F0-9]{32})\b',
        ('shpss_',),
        true=('shpss_7d405049efd02' '17d7f06275c2b1a7978',),
        false=('shpss_5b3d3' 'f4c7ecef599',),
    ),
    keyed(
        'checkout-secret-key', 'Checkout.com secret key',
        ('checkout',), r'sk_(?:sbox_)?[a-z2-7]{26}[a-z2-7=]?',
        true=(
            'CHECKOUT_API_KEY = "sk_sbox' '_gqgocxbefr4q3fn6w3ltbpzai5"',
            'checkout_token: sk_sbox_s' 'ce4iruhdmnemk2ehqorzbsqwh',
        ),
        false=(
            'request_id = "sk_sbox_dd' 'kgoxqbwfcih7drwmxmrj7lcs"',
            'checkout_key = "sk_' 'sbox_d7stjanfowdmh"',
        ),
    ),
    keyed(
        'wise-api-token', 'Wise (TransferWise) API token',
        ('wise_api', 'transferwise'), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'WISE_API_API_KEY = "b608b7bc' '-aacf-581a-640e-761af5989bba"',
            'wise_api_token: a1f06570-0' 'f6e-387c-bf32-f9d94e608fd7',
        ),
        false=(
            'request_id = "7793f950-c8' '5c-ec2e-1795-a3109560c5ac"',
            'wise_api_key = ' '"afbabf80-9a0f"',
        ),
    ),
    token(
        'paddle-api-key', 'Paddle API key',
        r'\b(pdl_(?:live|sdbx)_apikey_[A-Za-z0-9_]{40,60})\b',
        ('pdl_live_', 'pdl_sdbx_'),
        true=('pdl_live_apikey_os06048gov7d6fb9c9' '5118ojpr_AyPZPLSNPXSZ0dSJFLkyv7_mxo',),
        false=('pdl_live_api' 'key_u53f3s2k',),
    ),
    token(
        'duffel-token', 'Duffel API token',
        r'\b(duffel_(?:test|live)_[A-Za-z0-9_\-=]{43})',
        ('duffel_',),
        true=('duffel_live_VEpRK6P0gu7O-b4' '9hPPM0VCvWm51biChQWRBJ9YtT67',),
        false=('duffel_live_' 'lxJEua8mpv1f',),
    ),
    token(
        'shippo-token', 'Shippo API token',
        r'\b(shippo_(?:live|test)_[a-f0-9]{40})\b',
        ('shippo_',),
        true=('shippo_live_d0dbb67be39e33' '056100909a3e562acb7bf942c0',),
        false=('shippo_live_' 'd55068c75ae7',),
    ),
    token(
        'easypost-api-key', 'EasyPost API key',
        r'\b(EZ[AT]K[a-f0-9]{54})\b',
        ('ezak', 'eztk'),
        true=('EZAK1b1ff87e7c1ce8740e5e396f0' '5ecd7e2d6418f02740561fa485459',),
        false=('EZAK12afed9c' 'cb0c3b375224',),
    ),
    keyed(
        'lob-api-key', 'Lob API key',
        ('lob_api', 'lob_key', 'lob_secret'), r'(?:live|test)_[a-f0-9]{35}',
        true=(
            'LOB_API_API_KEY = "live_43e6c7' '8290e23ffbbce0d2a5fad805ce0a5"',
            'lob_api_token: live_858ebc8' '2d07d22c562f0eab4ca9fc2db75d',
        ),
        false=(
            'request_id = "live_c0038594' 'd1d6ef87e1750fe40862945510f"',
            'lob_api_key = "live' '_8f1b14e56589ba222"',
        ),
    ),
    keyed(
        'binance-api-secret', 'Binance API secret',
        ('binance',), r'[A-Za-z0-9]{64}',
        true=(
            'BINANCE_API_KEY = "FYFqQwgDWTvPnGF4R0mkXVo'
            'n2udKyFlc8zMzA2Ode86jEs13OmnWAbo1P0xYcVu4"',
            'binance_token: Uzkfa769OXgxFlbk5r8jMAFn' '7PZWqOdhkhf9d9IAcnocCAsdKx7zz1dfRdDyPZxN',
        ),
        false=(
            'request_id = "9GfvMKIM2NaqDjd7mLJSuU3bF' 'jexPvH7mE3keUn5ZtwjUTrP9oMrdq1G4AT0nNoU"',
            'binance_key = "e3hOq6FeX' 'QUvbQ67b2qiL4T2P9Z771LC"',
        ),
    ),
    keyed(
        'kraken-private-key', 'Kraken API private key',
        ('kraken',), r'[A-Za-z0-9/+=]{88}',
        true=(
            'KRAKEN_API_KEY = "VhtnittUykUUTKcPI+rZMm+tK6pdGhc8fc/'
            'edgwWvSHxWyYuhSfOtQ8nO9Xsr7yTpQFPSgBLXm+JxkNZPoPQet=="',
            'kraken_token: JtdvIi7bMdpQ4U7kO4+5/EJPvOoJ/vyuIygR/'
            '703sSQZDRQDTKjnHkjbTWmnfunCgr8WangUUlAclAmoeOZjf2==',
        ),
        false=(
            'request_id = "GrshXdYeiYADE3dPgei0dunLcriVmKQ6EzkLA'
            '6+bgIIoisigqmaIiXROS5TyBNf14swbMuNFsPvM/5ILudig3Y=="',
            'kraken_key = "/mfR9Hwvt2GCgzpH' 'JdKf83JlQUEnrToX5HbiHOYi2IL=="',
        ),
    ),
    keyed(
        'bitfinex-api-secret', 'Bitfinex API secret',
        ('bitfinex',), r'[A-Za-z0-9_\-]{43}',
        true=(
            'BITFINEX_API_KEY = "sWQ3uiGNC09M' 'Qh1UT3oxSGIEdceKYdOmUiJdV86Y7fL"',
            'bitfinex_token: b-gNvkYsVl_aH' 'u8hDPYWqYalo49SiSDdq7rMYvF0N6T',
        ),
        false=(
            'request_id = "KzBywTjaJXohTfu' 'Hx5hg-S20u5w7VOjhP7RFE7xi9WO"',
            'bitfinex_key = "ZfR' 'hXmOXw4o-UnvQ9F2xr"',
        ),
    ),
    keyed(
        'kucoin-api-secret', 'KuCoin API secret',
        ('kucoin',), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'KUCOIN_API_KEY = "5092a9e1-' '66c8-0eb7-fdc7-7d2dd8078a9e"',
            'kucoin_token: ca7f352c-cd' 'df-6ea2-18f4-2cb6b92ad6a2',
        ),
        false=(
            'request_id = "531eb2c9-6c' 'e2-3658-4fc2-dc478bd9c567"',
            'kucoin_key = "' '2dfe2dbc-11d2"',
        ),
    ),
    keyed(
        'etherscan-api-key', 'Etherscan API key',
        ('etherscan',), r'[A-Z0-9]{34}',
        true=(
            'ETHERSCAN_API_KEY = "0HCMVSQ' 'VVO3HYTH8D2CVMUP3XZM7C3128B"',
            'etherscan_token: L788YELU' 'I1JTE4T7JMR9JEMU71B7PF8JLE',
        ),
        false=(
            'request_id = "PO599HFN0C' 'PQCS2QSSGYGURZY84NM1PPRG"',
            'etherscan_key = "' 'HGZEAAM1TSGBZ9I8E"',
        ),
    ),
    keyed(
        'infura-api-key', 'Infura API key',
        ('infura',), r'[a-f0-9]{32}',
        true=(
            'INFURA_API_KEY = "c2cf213' '0d0720eac3891e3b4c1907573"',
            'infura_token: 81f1b2625' '0b834c156acba75540c0039',
        ),
        false=(
            'request_id = "ca85ce35f' 'e4c6dec157946600769621f"',
            'infura_key = "2' '42fa6b0eceae596"',
        ),
    ),
    keyed(
        'alchemy-api-key', 'Alchemy API key',
        ('alchemy',), r'[A-Za-z0-9_\-]{32}',
        true=(
            'ALCHEMY_API_KEY = "_H1qwfi' 'aEjGw_oomYyqlppFq7A7ArY9L"',
            'alchemy_token: KpUlItFy' 'NW0utxuJ7EhhECmN7nZ-_ZSt',
        ),
        false=(
            'request_id = "1PpshNBQe' 'ei9hTvG60hfzh6Ktecuq5Df"',
            'alchemy_key = "Y' 'btAZnoANlOBKrQw"',
        ),
    ),
    keyed(
        'coinmarketcap-api-key', 'CoinMarketCap API key',
        ('coinmarketcap', 'cmc_pro'), r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
        true=(
            'COINMARKETCAP_API_KEY = "9db672' '0b-d8f8-a57b-99cd-aac85a399a19"',
            'coinmarketcap_token: 2d13d75' 'e-8fb5-1a4a-9549-88843d03f3e2',
        ),
        false=(
            'request_id = "66df68cd-dc' '1f-427a-0317-47567a5f8716"',
            'coinmarketcap_key' ' = "86f1ab2b-9073"',
        ),
    ),
)
