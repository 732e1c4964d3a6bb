"""Repositories: the queries each aggregate needs, and nothing else. Services never write SQL.

One module per resource; the unit of work (:mod:`partnerhub.adapters.unit_of_work`) opens one
of each per transaction. Shared list mechanics (filters, sort, paging) are in :mod:`.paging`.
"""

from partnerhub.adapters.repositories.api_key_uses import ApiKeyUseRepository
from partnerhub.adapters.repositories.api_keys import ApiKeyRepository
from partnerhub.adapters.repositories.billing import BillingRepository
from partnerhub.adapters.repositories.business_profile import BusinessProfileRepository
from partnerhub.adapters.repositories.catalogs import CatalogRepository
from partnerhub.adapters.repositories.client_logins import ClientLoginRepository
from partnerhub.adapters.repositories.clients import ClientRepository
from partnerhub.adapters.repositories.flows import FlowRepository
from partnerhub.adapters.repositories.hub import HubRepository
from partnerhub.adapters.repositories.io_signatures import IoSignatureRepository
from partnerhub.adapters.repositories.login_attempts import LoginAttemptRepository
from partnerhub.adapters.repositories.messaging import MessagingRepository
from partnerhub.adapters.repositories.migration import MigrationRepository
from partnerhub.adapters.repositories.partner_changes import PartnerChangeRepository
from partnerhub.adapters.repositories.partners import PartnerRepository
from partnerhub.adapters.repositories.quality import QualityRepository
from partnerhub.adapters.repositories.templates import TemplateRepository
from partnerhub.adapters.repositories.tokens import TokenRepository
from partnerhub.adapters.repositories.users import UserRepository
from partnerhub.adapters.repositories.webhooks import WebhookRepository

__all__ = [
    "ApiKeyRepository",
    "ApiKeyUseRepository",
    "BillingRepository",
    "BusinessProfileRepository",
    "CatalogRepository",
    "ClientLoginRepository",
    "ClientRepository",
    "FlowRepository",
    "HubRepository",
    "IoSignatureRepository",
    "LoginAttemptRepository",
    "MessagingRepository",
    "MigrationRepository",
    "PartnerChangeRepository",
    "PartnerRepository",
    "QualityRepository",
    "TemplateRepository",
    "TokenRepository",
    "UserRepository",
    "WebhookRepository",
]
