from strangler.service.wsgi import wsgi_application

application = wsgi_application("identity", "extracted.identity.service.settings")
