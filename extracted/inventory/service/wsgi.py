from strangler.service.wsgi import wsgi_application

application = wsgi_application("inventory", "extracted.inventory.service.settings")
