from strangler.service.wsgi import wsgi_application

application = wsgi_application("payments", "extracted.payments.service.settings")
