"""AI and machine-learning platforms.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import keyed, token

RULES: tuple[Rule, ...] = (
    token(
        'openai-api-key', 'OpenAI API key',
        r'\b(sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,74}T3BlbkFJ[A-Za-z0-9_\-]{20,74})\b',
        ('t3blbkfj',),
        true=(
            'sk-proj-jmRohVdpNPdmCpuIxWCmhruMh7ijx-Ngeq9eEP4yKTL_ZNqqv-bBUh2UG4'
            'T3BlbkFJNHCYVRwFJGVCz6FYUW3QWbuQq64hJeXAyNrH3t6lIvjQfOvS1HQKN728Qd',
        ),
        false=('sk-proj-o97LGUi-kw' 'T3BlbkFAbjYnkkALvW',),
    ),
    token(
        'anthropic-api-key', 'Anthropic API key',
        r'\b(sk-ant-api03-[A-Za-z0-9_\-]{93}AA)\b',
        ('sk-ant-api03-',),
        true=(
            'sk-ant-api03-5RPksABCRA3mrOulXXYXHdhN6lIQ22ITzIMkZL2fC'
            'Lf97GZ5lIzEfyvAeRhs_iijiBFCFa4tMObIsVi1MoGsLvIFvIUHFAA',
        ),
        false=('sk-ant-api03-1d_F' '3DFO0wptl0sSYnmWAA',),
    ),
    token(
        'anthropic-admin-key', 'Anthropic admin API key',
        r'\b(sk-ant-admin01-[A-Za-z0-9_\-]{93}AA)\b',
        ('sk-ant-admin01-',),
        true=(
            'sk-ant-admin01-LS5_V-xR4ks9w4dkWwx1Q9IXXG_vADcwgMJX0STH'
            'PTLciTLOoZ1DDJUkGS9KYQcpwLENbO2HnvxStMmWjeaC7t54Wi1kfAA',
        ),
        false=('sk-ant-admin01-K6s' 'GbF3w_SOVf5-wbO30AA',),
    ),
    token(
        'groq-api-key', 'Groq API key',
        r'\b(gsk_[A-Za-z0-9]{52})\b',
        ('gsk_',),
        true=('gsk_nzTzeKV3zqu8OQqfKHhqI1Hl' 'iJigq7R3VCwIPmA7PaCiTXbfww4X',),
        false=('gsk_e2gBiAGg' 'eDj3StEH0wYV',),
    ),
    token(
        'perplexity-api-key', 'Perplexity API key',
        r'\b(pplx-[A-Za-z0-9]{48})\b',
        ('pplx-',),
        true=('pplx-7345Cp7eV85zUufL0LVgj' 'VjufITlsbDNkhQDZnaQzkUiiBOr',),
        false=('pplx-ypU3xUw' 'BjfbeCXaT4Sps',),
    ),
    token(
        'replicate-api-token', 'Replicate API token',
        r'\b(r8_[A-Za-z0-9]{37})\b',
        ('r8_',),
        true=('r8_RN3kgsSYmPibM3D5L' 'WfsXGZfzDJHjUukPBDa7',),
        false=('r8_y644' 'C1z2RL8w',),
    ),
    keyed(
        'cohere-api-key', 'Cohere API key',
        ('cohere',), r'[A-Za-z0-9]{40}',
        true=(
            'COHERE_API_KEY = "xisvBVXlPRB' 'ccmLEjqooEBUkg7rVCeWhBnQqId9l"',
            'cohere_token: a8hb4f5fjQVia' '19flWhBjJlM7XarbGN2Cm6jOOSo',
        ),
        false=(
            'request_id = "GhobrovqxYRp6' '2vFEZEOzIj4HxnKMyUFmfWaXw7P"',
            'cohere_key = "iZH' 'AnjdUvssWsG4wXySo"',
        ),
    ),
    keyed(
        'mistral-api-key', 'Mistral AI API key',
        ('mistral',), r'[A-Za-z0-9]{32}',
        true=(
            'MISTRAL_API_KEY = "KEReiBc' '9qMKyG2hRBS3Gy0bzMCQLd7EP"',
            'mistral_token: y8zTwpqr' 'u8ivxZPx2Cn34ygVwN0yTLy3',
        ),
        false=(
            'request_id = "j0bkPilMC' 'VqRMfqPsuUXTzQevLB1OOwf"',
            'mistral_key = "Y' '7AIOxtiBad2ggaP"',
        ),
    ),
    keyed(
        'deepseek-api-key', 'DeepSeek API key',
        ('deepseek',), r'sk-[a-f0-9]{32}',
        true=(
            'DEEPSEEK_API_KEY = "sk-603bb' 'c04ba66eeb926578ce1e852b7e2"',
            'deepseek_token: sk-55d4c5' '0400a176fefc84e99deecf2f77',
        ),
        false=(
            'request_id = "sk-0cd61361' '43c288f5f0e933ef9c58afea"',
            'deepseek_key = "sk' '-3ee0db1b1ced071c"',
        ),
    ),
    token(
        'xai-api-key', 'xAI (Grok) API key',
        r'\b(xai-[A-Za-z0-9]{80})\b',
        ('xai-',),
        true=(
            'xai-7LjuSZcE6uMwIK3QXezH0NF1EOwsxDUqQkh4dj'
            'poooKEJjR5nRyUsJoPxDpu8o5vnnJBfjIj313ig2VM',
        ),
        false=('xai-0UI5i7rc' 'IqerdBc2GGMx',),
    ),
    token(
        'langsmith-api-key', 'LangSmith API key',
        r'\b(lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\b',
        ('lsv2_',),
        true=('lsv2_pt_69b5bbc11598f948c' '78c9b4129195e88_b3d6a0edf4',),
        false=('lsv2_pt_08ab659' '80a36_ca0f2d33a7',),
    ),
    token(
        'pinecone-api-key', 'Pinecone API key',
        r'\b(pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{60,})\b',
        ('pcsk_',),
        true=('pcsk_TJye72_VDo3EOCQ0T630JX4KGFdWJpYu' 'qylwiuAVDeUEZ7BVWNPfERpq70lUhOY8GpX6Ig',),
        false=('pcsk_kDN9Qy_8Z8l' 'TGraC2Vjmg5WoJxt',),
    ),
    token(
        'openrouter-api-key', 'OpenRouter API key',
        r'\b(sk-or-v1-[a-f0-9]{64})\b',
        ('sk-or-v1-',),
        true=('sk-or-v1-5717c63a05a020271adcfb940f3' '8fec2ec204b4d624290bbb09406009fb488f1',),
        false=('sk-or-v1-5a0e9' '921503e883840d6',),
    ),
    keyed(
        'elevenlabs-api-key', 'ElevenLabs API key',
        ('elevenlabs', 'xi_api_key', 'xi-api-key'), r'(?:sk_)?[a-f0-9]{32,48}',
        true=(
            'ELEVENLABS_API_KEY = "sk_daef9382a435' 'efd1d22a09808485e65bdb3300171f093e3c"',
            'elevenlabs_token: sk_76283a4ccbbff' '650c8228d5183ad007a16faffa580cc24fc',
        ),
        false=(
            'request_id = "sk_ab6f7126bb5c652f' '413e7bc35522e1f8d9f4dc1f66cf73d6"',
            'elevenlabs_key = "sk_51' 'b8c50e14c5442cd38fe286"',
        ),
    ),
    keyed(
        'assemblyai-api-key', 'AssemblyAI API key',
        ('assemblyai',), r'[a-f0-9]{32}',
        true=(
            'ASSEMBLYAI_API_KEY = "5ef71' 'eddd9fc04c8c5f180ac72b775a5"',
            'assemblyai_token: 3098d22' '4d75e338d9c285a522dab5bff',
        ),
        false=(
            'request_id = "7eb92676c' '9bc740ed627ff2a9d4b8a55"',
            'assemblyai_key = ' '"b63060f2da5dfd72"',
        ),
    ),
    keyed(
        'wandb-api-key', 'Weights & Biases API key',
        ('wandb',), r'[a-f0-9]{40}',
        true=(
            'WANDB_API_KEY = "481fda2733b1' '59d49051651a6376fb34497dda5e"',
            'wandb_token: 90bd640928438' 'cea90c545fa8531b7d9e499c593',
        ),
        false=(
            'request_id = "be0181c7e4e65' '4f7b2473b5ec430c48897e62c58"',
            'wandb_key = "c7cb' 'ff72b80d971e34bb"',
        ),
    ),
    keyed(
        'together-api-key', 'Together AI API key',
        ('together_api', 'together_key', 'togetherai'), r'[a-f0-9]{64}',
        true=(
            'TOGETHER_API_API_KEY = "e6ddc21d1bc08a6e3cd0'
            '345394426b2c2752ecc8c1b469811e1c9caf0d6a799e"',
            'together_api_token: 65e36cf7fef200226b576c'
            'e4c6a234ebdce6293f9e6def5095fef9c5426b53ca',
        ),
        false=(
            'request_id = "bfe33f86482bf9253d050dec2' '9ffabd51ca982768510c6826b3a2b0eeaa78a57"',
            'together_api_key = "d896ec' '99e18af03ff5d25ced44820503"',
        ),
    ),
    token(
        'fireworks-api-key', 'Fireworks AI API key',
        r'\b(fw_[A-Za-z0-9]{24})\b',
        ('fw_',),
        true=('fw_PigHzm2a6N' 'QyzhzdDljCmaVJ',),
        false=('fw_ToA' '3tAeLcn',),
    ),
    keyed(
        'deepgram-api-key', 'Deepgram API key',
        ('deepgram',), r'[a-f0-9]{40}',
        true=(
            'DEEPGRAM_API_KEY = "c4fb2e4811' 'f568ec52a8e627ef2ebd2cf9b980fa"',
            'deepgram_token: 06b5f8e399a1' 'a2a613fcdf9726bef5e7f321a6d7',
        ),
        false=(
            'request_id = "8ecc555474f91' '9ff0246786bb2174c106a7b4c92"',
            'deepgram_key = "1e' '2c088195273ec45c16"',
        ),
    ),
    keyed(
        'stability-api-key', 'Stability AI API key',
        ('stability',), r'sk-[A-Za-z0-9]{48}',
        true=(
            'STABILITY_API_KEY = "sk-biRpdq8vLTvz' 'F4HmQWFNxF32OG76fOBuOvzJA1nhligPhQc0"',
            'stability_token: sk-yWgYtc8QUZtJY1' 'N84bj24kJoPq8NBj0D16hlCzQyCoUGBgY6',
        ),
        false=(
            'request_id = "sk-ph0Nf1vaIMaEpmTk' 'JoaScAesZ7Ct8CxOETxQ4ckdlV2EJzjR"',
            'stability_key = "sk-7Y' 'wsL6BY6Tj9XVdw9KIfXewu"',
        ),
    ),
    keyed(
        'clarifai-pat', 'Clarifai personal access token',
        ('clarifai',), r'[a-f0-9]{32}',
        true=(
            'CLARIFAI_API_KEY = "279248' '06695da9a419ae4b0c5c07702b"',
            'clarifai_token: 359fd646' '075b67562aca439bd37e04ae',
        ),
        false=(
            'request_id = "80ce85548' '5a40418081c03d8f7d07619"',
            'clarifai_key = "' 'ca792084ad79948c"',
        ),
    ),
    keyed(
        'voyage-api-key', 'Voyage AI API key',
        ('voyage',), r'pa-[A-Za-z0-9_\-]{43}',
        true=(
            'VOYAGE_API_KEY = "pa-JXEEnwMPiaO' 'Ety9nsnIfGIPB2P7qG7WfMw_umcxUTAG"',
            'voyage_token: pa-k6viLyZX63n_n' 'cxQ5dfodBQQi563Qun-zdtHUUqYYQV',
        ),
        false=(
            'request_id = "pa-_bfiQOUKSBRA3' 'nGyTuo6SegpEMAGN0IgZTsY1zeBt7s"',
            'voyage_key = "pa-Y2' '5H6_Apci-QnnrGjGdQ6"',
        ),
    ),
)
