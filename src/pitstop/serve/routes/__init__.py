"""The routes of ``pitstop serve``, one module per part of the page; every one of them
declares the role it needs with :func:`pitstop.serve.web.requires`."""
