from strangler.service.wsgi import wsgi_application

application = wsgi_application("fraud", "extracted.fraud.service.settings")
