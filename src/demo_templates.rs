//! The templates `consilium demo` ships (API.md section 13): what the multiple-sclerosis board,
//! the bone-and-joint infection board and the antibiotic-stewardship centre need to know before
//! they decide, in French as their coordinators write them.

use serde_json::{Value, json};

use crate::domain::template::Template;
use crate::error::{AppError, AppResult};

fn parse(v: Value) -> AppResult<Template> {
    let t: Template = serde_json::from_value(v).map_err(AppError::internal)?;
    Ok(t.check()?)
}

/// The MS board (CRC SEP): disability, course, therapy, activity.
pub fn multiple_sclerosis() -> AppResult<Template> {
    parse(json!({"fields": [
        {"key": "edss", "label": "EDSS", "type": "number", "required": true, "min": 0, "max": 10, "step": 0.5,
         "help": "Score EDSS au dernier examen (0 à 10, par pas de 0,5)."},
        {"key": "course", "label": "Forme évolutive", "type": "choice", "required": true,
         "choices": ["RR", "SP", "PP", "CIS"],
         "help": "RR : rémittente ; SP : secondairement progressive ; PP : primaire progressive ; CIS : syndrome cliniquement isolé."},
        {"key": "current_dmt", "label": "Traitement de fond actuel", "type": "choice", "required": true,
         "choices": ["aucun", "interféron bêta", "acétate de glatiramère", "tériflunomide", "diméthylfumarate",
                     "fingolimod", "ozanimod", "natalizumab", "ocrélizumab", "ofatumumab", "alemtuzumab", "cladribine", "autre"]},
        {"key": "relapses_12m", "label": "Poussées sur les 12 derniers mois", "type": "number", "required": true,
         "min": 0, "max": 20, "step": 1},
        {"key": "new_lesions", "label": "Nouvelles lésions T2 ou rehaussées par le gadolinium", "type": "boolean", "required": true},
        {"key": "last_mri", "label": "Date de la dernière IRM", "type": "date"}
    ]}))
}

/// The bone-and-joint infection board (CRIOAc): site, implant, organisms, and whether the case
/// is "complex" as the national registry classes it.
pub fn bone_and_joint_infection() -> AppResult<Template> {
    parse(json!({"fields": [
        {"key": "site", "label": "Site infecté", "type": "choice", "required": true,
         "choices": ["hanche", "genou", "épaule", "rachis", "pied-cheville", "autre"]},
        {"key": "implant", "label": "Matériel en place", "type": "boolean", "required": true},
        {"key": "implant_age_months", "label": "Ancienneté du matériel (mois)", "type": "number", "min": 0, "max": 600, "step": 1},
        {"key": "organisms", "label": "Micro-organisme(s) identifié(s)", "type": "text"},
        {"key": "resistance", "label": "Résistances", "type": "multi_choice",
         "choices": ["SARM", "BLSE", "carbapénémase", "ERV", "aucune"]},
        {"key": "prior_antibiotics", "label": "Antibiothérapie antérieure", "type": "text"},
        {"key": "complex", "label": "IOA complexe (critères du registre CRIOAc)", "type": "boolean", "required": true,
         "help": "Complexe : terrain, micro-organisme ou prise en charge chirurgicale difficiles selon la définition nationale."}
    ]}))
}

/// The antibiotic-stewardship centre (CRAtb): traceable advice, counted every year.
pub fn antibiotic_stewardship() -> AppResult<Template> {
    parse(json!({"fields": [
        {"key": "infection_site", "label": "Site de l'infection", "type": "choice", "required": true,
         "choices": ["urinaire", "pulmonaire", "bactériémie", "peau et tissus mous", "intra-abdominal", "ostéo-articulaire", "autre"]},
        {"key": "setting", "label": "Lieu de prise en charge", "type": "choice", "required": true,
         "choices": ["ville", "EHPAD", "hôpital", "clinique"]},
        {"key": "organism", "label": "Micro-organisme", "type": "text"},
        {"key": "current_antibiotics", "label": "Antibiothérapie en cours", "type": "text", "required": true},
        {"key": "allergy", "label": "Allergie aux bêta-lactamines", "type": "boolean", "required": true},
        {"key": "advice", "label": "Type d'avis demandé", "type": "choice", "required": true,
         "choices": ["choix initial", "désescalade", "relais oral", "durée", "arrêt", "autre"]}
    ]}))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_templates_are_valid() {
        assert_eq!(super::multiple_sclerosis().unwrap().fields.len(), 6);
        assert_eq!(super::bone_and_joint_infection().unwrap().fields.len(), 7);
        assert_eq!(super::antibiotic_stewardship().unwrap().fields.len(), 6);
    }
}
